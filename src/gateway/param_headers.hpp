#pragma once
// The `x-mcp-header` annotations of every tool the gateway has seen in a tools/list, per
// upstream, so that a 2026-07-28 tools/call can be checked against its `Mcp-Param-*` headers
// before anything is sent (transports, "Server Behavior for Custom Headers": a server that
// processes the body MUST reject a missing, mismatched or invalid value with 400 / -32020; the
// check itself is the front door's, mcp::front::check_param_headers).
#include <boost/json/object.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "mcp/http_headers.hpp"
#include "net/http_server.hpp"

namespace mcpgate::gateway {

class ToolParamHeaders {
 public:
  // Learns from a tools/list reply of `upstream` (names as that upstream spells them, unprefixed).
  void remember(const std::string& upstream, const boost::json::object& reply);
  // Whether a tools/list of this upstream has been seen at all.
  bool listed(const std::string& upstream) const;
  // The annotations of a tool; nullopt when the tool was never listed.
  std::optional<std::vector<mcp::ParamHeader>> find(const std::string& upstream, const std::string& tool) const;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::vector<mcp::ParamHeader>> by_tool_;  // "<upstream>\n<tool>"
  std::unordered_set<std::string> listed_;
};

// Every Mcp-Param-* header of the request, to travel on to an HTTP upstream: the transport
// requires intermediaries to forward the ones they do not recognize, and the upstream checks them
// against the body as well.
std::vector<std::pair<std::string, std::string>> param_headers_to_forward(const net::Request& request);

}  // namespace mcpgate::gateway
