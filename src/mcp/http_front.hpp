#pragma once
// The Streamable HTTP front door: every check a request passes before anything handles it, and
// the answers, shared by the gateway's endpoint and the server library's HTTP transport so that
// the two cannot answer the same malformed request differently. Each check returns a named
// refusal (reason, HTTP status, JSON-RPC error); `to_response` is the one place a refusal becomes
// an answer. The checks, in the order both stacks run them:
//   Host / Origin (net/origin_guard) → Content-Type, Accept → JSON and the JSON-RPC envelope →
//   era → (2026-07-28) the request checks → (tools/call) Mcp-Param-*.
#include <boost/json/object.hpp>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "mcp/http_headers.hpp"
#include "mcp/jsonrpc.hpp"
#include "mcp/protocol.hpp"
#include "net/asio.hpp"

namespace mcpgate::mcp::front {

// Why the front door refused a request. One name per rule, so that metrics and tests count the
// rule, not the wording of a message.
enum class Reason {
  forbidden_host_or_origin,  // DNS rebinding (transports, "Security Warning")
  method_not_allowed,        // not POST/GET/DELETE, or GET/DELETE where no stream or session exists
  unsupported_media_type,    // POST body not application/json
  not_acceptable,            // Accept admits neither JSON nor SSE
  parse_error,               // not strict JSON (duplicate keys included)
  batch,                     // a JSON array: batches were removed in 2025-06-18
  invalid_message,           // not a JSON-RPC 2.0 message as MCP uses it
  unexpected_response,       // a response that answers no request of ours
  missing_meta,              // 2026-07-28 request without the required _meta keys
  header_mismatch,           // MCP-Protocol-Version, Mcp-Method, Mcp-Name or Mcp-Param-* vs the body
  unsupported_version,       // a protocol revision we do not speak
  removed_method,            // a method 2026-07-28 removed
  session_required,          // legacy era, no Mcp-Session-Id
  session_not_found,         // legacy era, unknown or ended session
};
std::string_view reason_name(Reason r);

struct Refusal {
  Reason reason;
  unsigned status;
  int code;
  std::string message;
  boost::json::value id;  // the request's id when it was read, else null (JSON-RPC 2.0 §5)
  std::optional<boost::json::value> data = std::nullopt;
};

// ---- answers -----------------------------------------------------------------------------

// A JSON body; never cached (it answers one request of one caller).
net::Response json_response(unsigned status, const boost::json::object& body);
// The same with the message's text already written (an upstream's reply relayed as it came).
net::Response json_text_response(unsigned status, std::string text);
net::Response rpc_error(unsigned status, const boost::json::value& id, int code, std::string_view message,
                        std::optional<boost::json::value> data = std::nullopt);
net::Response empty_response(unsigned status);
net::Response to_response(const Refusal& r);
// The head of an SSE response (2026-07-28 transports: `X-Accel-Buffering: no`, so that a proxy
// does not hold events back).
net::http::response<net::http::empty_body> sse_head();

// The HTTP status that goes with a JSON-RPC error code in 2026-07-28 (transports, "Error
// Handling"): -32601 → 404; -32700, -32600, -32602, -32020, -32021, -32022 → 400; others 200.
unsigned status_for_code(int code);
// The same for a whole reply (200 for a result).
unsigned status_for_reply(const boost::json::object& reply);

// ---- refusals that do not come from a check below ----------------------------------------

[[nodiscard]] Refusal forbidden_host_or_origin();
[[nodiscard]] Refusal method_not_allowed(std::string message = "Method not allowed");
[[nodiscard]] Refusal session_required(const boost::json::value& id);
[[nodiscard]] Refusal session_not_found(const boost::json::value& id);

// ---- checks --------------------------------------------------------------------------------

// A header's value, or "" when absent.
std::string_view header(const net::Request& r, std::string_view name);

// POST: Content-Type must be application/json (415), and Accept must admit JSON or SSE (406;
// 2025-11-25 and 2026-07-28 transports, "Sending Messages to the Server": the client lists both;
// one of them is enough for us to answer in). What the client accepts comes back.
[[nodiscard]] std::expected<Accepts, Refusal> check_post_headers(const net::Request& r);

// GET of a legacy stream: Accept must name text/event-stream (406).
[[nodiscard]] std::optional<Refusal> check_stream_accept(const net::Request& r);

// The body as one JSON-RPC message: strict JSON (-32700), no batch (-32600), a valid envelope
// (-32600, echoing the id when it is a string or an integer). All 400.
[[nodiscard]] std::expected<Message, Refusal> parse_message(std::string_view body, const JsonLimits& limits = {});

// The era of this request (docs/architecture.md, "Two eras at one URL"): an MCP-Protocol-Version
// header decides (a legacy revision → legacy, anything else → modern, to be refused there if
// unsupported); without one, an Mcp-Session-Id means legacy, and `_meta` carrying a protocol
// version means modern; anything else is legacy.
Era era_of(const net::Request& r, const Message& m);
// GET and DELETE carry no body: only the version header can say 2026-07-28.
bool modern_header(const net::Request& r);

// The `_meta` keys a 2026-07-28 request lacks (basic/index, "_meta": protocolVersion a string,
// clientCapabilities an object), comma-separated; "" when complete.
std::string missing_meta_keys(const boost::json::object* params);
// `error.data` of -32022: what we support and what was asked for.
boost::json::object unsupported_version_data(std::string_view requested);

// Every 2026-07-28 check of a POSTed message, in order: a response (nothing to answer: -32600),
// `_meta` of a request (-32602), the MCP-Protocol-Version header (present, equal to `_meta`, a
// revision we speak: -32020 / -32022), Mcp-Method and Mcp-Name against the body (-32020, values
// decoded from `=?base64?…?=`), and the methods 2026-07-28 removed (404 / -32601).
[[nodiscard]] std::optional<Refusal> check_modern(const net::Request& r, const Message& m);

// A 2026-07-28 tools/call's Mcp-Param-* headers against the tool's `x-mcp-header` annotations
// (transports, "Server Behavior for Custom Headers": 400 / -32020). A repeated header is refused:
// two readers could each take a different copy.
[[nodiscard]] std::optional<Refusal> check_param_headers(const net::Request& r,
                                                         const std::vector<ParamHeader>& annotations,
                                                         const boost::json::object* params,
                                                         const boost::json::value& id);

}  // namespace mcpgate::mcp::front
