#pragma once
// The small pieces every part of the endpoint (endpoint*.cpp) answers and reads with: JSON and
// JSON-RPC error responses, header and parameter lookups, and the 2026-07-28 status mapping.
// Private to the endpoint.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/json.hpp"
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

inline std::string_view header(const net::Request& r, std::string_view name) {
  auto it = r.find(name);
  return it == r.end() ? std::string_view() : std::string_view(it->value());
}

using mcp::decode_header_value;
using mcp::is_json_content_type;
using mcp::name_header_param;
using mcp::parse_accept;

inline net::Response json_response(unsigned status, const json::object& body) {
  net::Response res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = serialize_json(body);
  return res;
}

inline net::Response rpc_error(unsigned status, const json::value& id, int code, std::string_view message,
                               std::optional<json::value> data = std::nullopt) {
  return json_response(status, mcp::make_error(id, code, message, std::move(data)));
}

inline net::Response empty_response(unsigned status) {
  net::Response res{static_cast<http::status>(status), 11};
  return res;
}

inline const json::object* params_of(const json::object& m) {
  auto* p = m.if_contains("params");
  return p && p->is_object() ? &p->get_object() : nullptr;
}

inline const json::object* meta_of(const json::object& m) {
  auto* p = params_of(m);
  if (!p) return nullptr;
  auto* meta = p->if_contains("_meta");
  return meta && meta->is_object() ? &meta->get_object() : nullptr;
}

// A message's id, or null. Always into a named variable before a co_await: g++ 12 destroys a
// temporary that a co_await expression binds to a reference parameter twice (a crash on any
// notification sent with an unknown session, when it was `m.id() ? *m.id() : json::value()`).
inline json::value id_of(const mcp::Message& m) {
  auto* id = m.id();
  return id ? *id : json::value();
}

inline std::string string_param(const json::object& m, std::string_view key) {
  auto* p = params_of(m);
  if (!p) return {};
  auto* v = p->if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// 2026-07-28: the HTTP status follows the JSON-RPC error (transports, "Error Handling").
inline unsigned modern_status_for(const json::object& reply) {
  auto* e = reply.if_contains("error");
  if (!e || !e->is_object()) return 200;
  auto* c = e->get_object().if_contains("code");
  if (!c || !c->is_int64()) return 200;
  switch (c->get_int64()) {
    case mcp::code::method_not_found:
      return 404;
    case mcp::code::invalid_params:
    case mcp::code::invalid_request:
    case mcp::code::header_mismatch:
    case mcp::code::missing_capability:
    case mcp::code::unsupported_version:
      return 400;
    default:
      return 200;
  }
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

// Results a stateless client receives from a legacy upstream get the fields 2026-07-28 requires.
inline void modernize_result(std::string_view method, json::object& reply) {
  auto* r = reply.if_contains("result");
  if (!r || !r->is_object()) return;
  auto& o = r->get_object();
  if (!o.contains("resultType")) o["resultType"] = "complete";
  if (is_list_method(method) || method == "resources/read") {
    if (!o.contains("ttlMs")) o["ttlMs"] = 0;
    if (!o.contains("cacheScope")) o["cacheScope"] = "private";
  }
}

}  // namespace mcpgate::gateway::endpoint_support

namespace mcpgate::gateway {
using namespace endpoint_support;
}  // namespace mcpgate::gateway
