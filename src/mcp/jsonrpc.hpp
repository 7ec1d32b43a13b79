#pragma once
// JSON-RPC 2.0 as MCP uses it: one message per POST body or stdio line; ids are strings or
// integers (never null, never fractional); batches only where a protocol revision allows them.
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mcpgate::mcp {
namespace json = boost::json;

// Every JSON-RPC error code the code base sends or recognizes, by name: a literal -32xxx
// elsewhere is a review finding.
namespace code {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
// 2026-07-28 (basic/index, transports): header/body mismatch, missing capability, version.
inline constexpr int header_mismatch = -32020;
inline constexpr int missing_capability = -32021;
inline constexpr int unsupported_version = -32022;
// Implementation-defined server errors (-32000 … -32099).
inline constexpr int upstream_unavailable = -32000;
inline constexpr int upstream_timeout = -32001;
inline constexpr int request_cancelled = -32003;
inline constexpr int overloaded = -32004;
// A per-principal quota or rate limit refused the request (HTTP 429, error.data.reason says which).
inline constexpr int rate_limited = -32005;
// What the SDKs send with HTTP 404 for an unknown or ended Mcp-Session-Id, and with the 401/403
// of authorization (the HTTP status and WWW-Authenticate carry the meaning; these only mirror it).
inline constexpr int session_not_found = -32001;
inline constexpr int unauthorized = -32001;
inline constexpr int forbidden = -32003;
}  // namespace code

enum class Kind { request, notification, response, error };

struct Message {
  Kind kind;
  json::object body;

  bool is_request() const { return kind == Kind::request; }
  bool is_notification() const { return kind == Kind::notification; }
  bool is_reply() const { return kind == Kind::response || kind == Kind::error; }
  std::string_view method() const;
  const json::value* id() const;
  const json::object* params() const;
};

// Validates the envelope of one message (not a batch).
[[nodiscard]] Result<Message> classify(json::value v);

json::object make_error(const json::value& id, int code, std::string_view message,
                        std::optional<json::value> data = std::nullopt);
json::object make_result(const json::value& id, json::value result);
json::object make_request(json::value id, std::string_view method, json::value params = nullptr);
json::object make_notification(std::string_view method, json::value params = nullptr);

// A key for id maps that keeps 1 and "1" apart.
std::string id_key(const json::value& id);

}  // namespace mcpgate::mcp
