#pragma once
// One client request on its way through an endpoint, and the tool hints learnt from upstreams:
// what the endpoint's stages (endpoint.cpp, endpoint_tasks.cpp) share. Private to the endpoint.
#include <chrono>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/endpoint.hpp"
#include "gateway/param_headers.hpp"
#include "gateway/upstream.hpp"
#include "mcp/protocol.hpp"

namespace mcpgate::gateway {

struct McpEndpoint::Call {
  Caller caller;
  std::string request_id;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  json::object request;
  std::string method;
  mcp::Era era = mcp::Era::legacy;
  bool sse_ok = false;
  bool json_ok = true;
  std::string priming_version;  // send an SSE priming event (2025-11-25 and later)
  std::shared_ptr<FrontSession> session;
  std::vector<std::shared_ptr<UpstreamSession>> upstreams;
  bool translate_to_modern = false;
  Deadline deadline;
  // An initialize's params, kept when the request itself is sent to the upstream (moved, not
  // copied): the sealed session id carries them (endpoint_sealed.cpp).
  std::optional<json::object> initialize_params;
};

// readOnlyHint of every tool seen in a tools/list, for the policy's read-only-hint default.
struct McpEndpoint::Hints final : policy::ToolHints {
  mutable std::shared_mutex mutex;
  std::unordered_map<std::string, bool> by_tool;             // "<upstream>\n<tool>"
  ToolParamHeaders params;                                   // x-mcp-header annotations (Mcp-Param-*)
  std::unordered_map<std::size_t, std::string> learnt_from;  // upstream index → its last tools/list text
  std::optional<bool> read_only(const std::string& upstream, const std::string& tool) const override {
    std::shared_lock lock(mutex);
    auto it = by_tool.find(upstream + "\n" + tool);
    if (it == by_tool.end()) return std::nullopt;
    return it->second;
  }
};

}  // namespace mcpgate::gateway
