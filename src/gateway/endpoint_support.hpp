#pragma once
// The small pieces every part of the endpoint (endpoint*.cpp) answers and reads with: the front
// door's answers (mcp/http_front) and list helpers (refusals: gateway/refusal.hpp). Private to the
// endpoint.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "gateway/metrics.hpp"
#include "mcp/http_front.hpp"
#include "mcp/http_headers.hpp"
#include "mcp/jsonrpc.hpp"
#include "mcp/protocol.hpp"
#include "net/http_server.hpp"

namespace mcpgate::gateway::endpoint_support {
namespace json = boost::json;
namespace http = net::http;
using steady = std::chrono::steady_clock;

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now().time_since_epoch()).count();
}

using mcp::front::empty_response;
using mcp::front::header;
using mcp::front::json_response;
using mcp::front::json_text_response;
using mcp::front::rpc_error;

// A message's id, or null. Always into a named variable before a co_await: g++ 12 destroys a
// temporary that a co_await expression binds to a reference parameter twice (a crash on any
// notification sent with an unknown session, when it was `m.id() ? *m.id() : json::value()`).
inline json::value id_of(const mcp::Message& m) {
  auto* id = m.id();
  return id ? *id : json::value();
}

// 2026-07-28: the HTTP status follows the JSON-RPC error (transports, "Error Handling").
inline unsigned modern_status_for(const json::object& reply) {
  return mcp::front::status_for_reply(reply);
}

inline bool is_list_method(std::string_view m) {
  return m == "tools/list" || m == "prompts/list" || m == "resources/list" || m == "resources/templates/list";
}

inline std::string_view list_key(std::string_view m) {
  if (m == "tools/list") return "tools";
  if (m == "prompts/list") return "prompts";
  if (m == "resources/list") return "resources";
  return "resourceTemplates";
}

// The member an item of that list is judged by (the name a call would carry).
inline std::string_view list_item_key(std::string_view m) {
  if (m == "tools/list" || m == "prompts/list") return "name";
  if (m == "resources/list") return "uri";
  return "uriTemplate";
}

// Results a stateless client receives from a legacy upstream get the fields 2026-07-28 requires.
// True when the reply changed.
inline bool modernize_result(std::string_view method, json::object& reply) {
  auto* r = reply.if_contains("result");
  if (!r || !r->is_object()) return false;
  auto& o = r->get_object();
  auto size = o.size();
  if (!o.contains("resultType")) o["resultType"] = "complete";
  if (is_list_method(method) || method == "resources/read") {
    if (!o.contains("ttlMs")) o["ttlMs"] = 0;
    if (!o.contains("cacheScope")) o["cacheScope"] = "private";
  }
  return o.size() != size;
}

}  // namespace mcpgate::gateway::endpoint_support

namespace mcpgate::gateway {
using namespace endpoint_support;
}  // namespace mcpgate::gateway
