#pragma once
// McpServer's registry and protocol engine, shared by the transports.
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <vector>

#include "mcp/jsonrpc.hpp"
#include "mcp/protocol.hpp"
#include "mcp/server/request_state.hpp"
#include "mcp/server/session.hpp"
#include "mcp/server/task_store.hpp"
#include "mcp/server/uri_template.hpp"
#include "mcpgate/server.hpp"

namespace mcpgate::mcp::server {

// Where the messages that belong to one request go before its response (a POST's SSE stream,
// or stdout). send() returns false when the client is gone.
class Outlet {
 public:
  virtual ~Outlet() = default;
  virtual net::awaitable<bool> send(json::object message) = 0;
};

struct CompiledTemplate {
  ResourceTemplate spec;
  UriTemplate matcher;
};

// The era a message belongs to when the transport has nothing better to go on (stdio): a request
// that carries `_meta["io.modelcontextprotocol/protocolVersion"]` is 2026-07-28 or later.
ProtocolEra era_of(const Message& message);

// 2026-07-28 per-request `_meta` (basic/index): protocolVersion and clientCapabilities are
// required, clientInfo is not. -32602 when they are missing.
std::optional<RpcError> check_modern_meta(const json::object* params);
// -32022 with the versions we do speak when the requested one is not a modern revision.
std::optional<RpcError> check_modern_version(std::string_view requested);

json::object error_response(const json::value& id, const RpcError& e);

// The client capability a server→client request needs (sampling, elicitation, roots); empty for
// any other method.
std::string_view capability_for(std::string_view method);

// Removes the elements `key` selects; true when there was one.
template <class V, class Key>
bool erase_by(V& v, Key key) {
  auto n = v.size();
  std::erase_if(v, key);
  return v.size() != n;
}

}  // namespace mcpgate::mcp::server

namespace mcpgate {

struct McpServer::Impl {
  Impl(ServerInfo info, ServerOptions options);

  // Answers one request (nullopt for a notification). `session` is required in the legacy era.
  // `owner` names the principal behind the request when the transport knows one: the tasks it
  // creates are readable by the same owner only.
  net::awaitable<std::optional<json::object>> handle(const mcp::Message& message, ProtocolEra era,
                                                     mcp::server::Session* session, mcp::server::Outlet& outlet,
                                                     std::string_view owner = {});
  // A client's answer to a server→client request. False when no request waits for it.
  bool deliver(mcp::server::Session& session, const mcp::Message& reply);

  void attach(const std::shared_ptr<mcp::server::Session>& session);
  void broadcast(const json::object& notification, std::string_view resource_uri = {});

  std::shared_ptr<const Tool> find_tool(std::string_view name) const;
  std::shared_ptr<const Prompt> find_prompt(std::string_view name) const;

  ServerInfo info;
  ServerOptions options;
  mcp::server::StateSealer sealer;
  mcp::server::TaskStore tasks;

  mutable std::shared_mutex mu;
  std::vector<std::shared_ptr<const Tool>> tools;
  std::vector<std::shared_ptr<const Resource>> resources;
  std::vector<std::shared_ptr<const mcp::server::CompiledTemplate>> templates;
  std::vector<std::shared_ptr<const Prompt>> prompts;
  std::shared_ptr<const CompletionHandler> completion;

  std::mutex sessions_mu;
  std::vector<std::weak_ptr<mcp::server::Session>> sessions;
};

}  // namespace mcpgate
