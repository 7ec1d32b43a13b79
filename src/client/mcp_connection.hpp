#pragma once
// The Streamable HTTP transport of an MCP client, both eras (SPEC-NOTES §(d)): 2025-11-25 and
// earlier with `initialize`, `Mcp-Session-Id` and `MCP-Protocol-Version`; 2026-07-28 stateless,
// with the protocol version, capabilities and client info in every request's `_meta` and the
// `Mcp-Method`/`Mcp-Name` headers. Authorization is the OAuthSession's: every request carries the
// token (never in the query), a 401 starts the flow and a 403 insufficient_scope a step-up, after
// which the request is sent again.
//
// Blocking: the command-line client does one thing at a time, and the stdio proxy runs each
// message on its own thread (the session state here is guarded by a mutex).
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client/oauth_session.hpp"
#include "core/result.hpp"
#include "mcp/http_headers.hpp"
#include "mcp/protocol.hpp"
#include "oauth/http_fetcher.hpp"

namespace mcpgate::client {

struct ConnectionOptions {
  // Empty: detect (server/discover, else initialize). A 2026-07-28 revision: stateless only. An
  // older one: initialize, offering it.
  std::string protocol;
  std::string client_name = "mcpgate";
  std::string client_version = "0.1.0";
};

class McpConnection {
 public:
  McpConnection(std::string endpoint, OAuthSession& auth, oauth::HttpFetcher& fetcher, ConnectionOptions options);

  // Era detection and the handshake. Returns what the server said about itself (the initialize or
  // server/discover result).
  [[nodiscard]] Result<boost::json::object> connect();
  // A request; its result, or the JSON-RPC error (code and message) as an Error.
  [[nodiscard]] Result<boost::json::value> request(const std::string& method, boost::json::object params);
  // Sends one message as it is (a proxy's) and returns the messages that came back, in order: the
  // JSON body, or each event of an SSE stream. Learns the session and protocol version from an
  // initialize that passes through.
  [[nodiscard]] Result<std::vector<boost::json::value>> send(const boost::json::value& message);
  // Ends a legacy session (DELETE); nothing for the stateless era.
  void close();

  mcp::Era era() const { return era_; }
  void set_era(mcp::Era era, std::string protocol_version);
  std::string protocol_version() const;

 private:
  struct Http {
    unsigned status = 0;
    std::string www_authenticate;
    std::vector<boost::json::value> messages;
    std::string session_id;
  };
  [[nodiscard]] Result<Http> post(const boost::json::value& message);
  [[nodiscard]] Result<Http> post_once(const std::string& body, const boost::json::value& message,
                                       const std::optional<std::string>& authorization);
  boost::json::object with_meta(boost::json::object params) const;
  // The error is UnsupportedProtocolVersion (-32022) and its data.supported names the revision in use.
  bool supported_revision_offered(const boost::json::object& error) const;

  std::string endpoint_;
  OAuthSession& auth_;
  oauth::HttpFetcher& fetcher_;
  ConnectionOptions options_;
  mutable std::mutex mutex_;  // session_id_, protocol_, and the OAuthSession
  mcp::Era era_ = mcp::Era::legacy;
  std::string protocol_;
  std::string session_id_;
  std::int64_t next_id_ = 1;
  bool auth_failed_ = false;  // the last post failed in authorization, not in the protocol
  // From the tools/list results seen (2026-07-28, SEP-2243): each valid tool's x-mcp-header
  // annotations, and the tools left out for invalid ones (never called).
  std::map<std::string, std::vector<mcp::ParamHeader>> tool_headers_;
  std::set<std::string> invalid_tools_;
  void learn_tools(std::vector<boost::json::value>& messages);
};

}  // namespace mcpgate::client
