#pragma once
// The HTTP headers of the Streamable HTTP transport that both the gateway's front door and the
// server library read from untrusted clients: Accept, Content-Type, the `=?base64?…?=` value
// encoding of 2026-07-28, and the `Mcp-Param-*` headers a tool's `x-mcp-header` annotations ask
// for (SEP-2243). One implementation, so that the gateway and a server built with the library
// cannot disagree about what a header says. It has a libFuzzer target (fuzz/http_headers).
#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ascii.hpp"

namespace mcpgate::mcp {

// Which response forms an Accept header admits. No header at all means JSON only; `*/*` and
// `application/*` admit JSON (an SSE stream is only sent to a client that names it).
struct Accepts {
  bool json = false;
  bool sse = false;
};
Accepts parse_accept(std::string_view accept);

// `application/json`, in any case, with or without parameters.
bool is_json_content_type(std::string_view content_type);

// A header value of 2026-07-28 (`Mcp-Name`, `Mcp-Method`, `Mcp-Param-*`): OWS trimmed, then
// `=?base64?{standard Base64 with padding}?=` decoded; any other text is literal. nullopt when the
// sentinel wraps something that is not valid Base64 (bad padding, characters outside the
// alphabet): such a value is refused, never taken literally.
std::optional<std::string> decode_header_value(std::string_view value);
// Its inverse, for a client: the value as is when it is visible ASCII without leading or trailing
// whitespace (and does not itself start with the sentinel), else `=?base64?…?=`.
std::string encode_header_value(std::string_view value);

// The `params` field a 2026-07-28 request's `Mcp-Name` header repeats (transports, "Standard
// Headers": `name` for tools/call and prompts/get, `uri` for resources/read; the tasks extension,
// SEP-2663, adds `taskId` for tasks/get, tasks/update and tasks/cancel), or "" for a method that
// has no Mcp-Name.
std::string_view name_header_param(std::string_view method);

// The task methods of the io.modelcontextprotocol/tasks extension (2026-07-28).
bool is_task_method(std::string_view method);

// One `x-mcp-header` annotation of a tool's inputSchema: the argument at `path` (a chain of
// `properties` keys) travels also as the header `Mcp-Param-<name>`.
struct ParamHeader {
  std::vector<std::string> path;
  std::string name;
  std::string type;  // "string", "integer" or "boolean"
};

// The valid annotations of an inputSchema. Annotations the transport does not allow (an empty or
// non-token name, one repeated ignoring case, on a type other than string/integer/boolean) are
// left out: a server cannot expect a conforming client to send them.
std::vector<ParamHeader> param_headers_of(const boost::json::object& input_schema);

// The argument an annotation's `path` names in a call's `arguments`, or null when absent.
const boost::json::value* argument_at(const boost::json::object* arguments, const std::vector<std::string>& path);

enum class ParamHeaderError { missing, mismatch, invalid };
struct ParamHeaderProblem {
  ParamHeaderError error;
  std::string header;  // "Mcp-Param-<name>"
  std::string message;
};

// Header lookup by name (case-insensitive, as the caller's HTTP layer does it); nullopt when absent.
using HeaderLookup = std::function<std::optional<std::string_view>(std::string_view name)>;

// 2026-07-28 transports, "Server Behavior for Custom Headers": every annotated argument present
// (and not null) in `arguments` must arrive as its header, and the header (decoded) must say the
// same thing; an argument that is absent or null expects no header, and a header sent anyway must
// then be empty. Integers compare numerically ("42.0" equals 42). The first problem is returned.
std::optional<ParamHeaderProblem> check_param_headers(const std::vector<ParamHeader>& annotations,
                                                      const boost::json::object* arguments, const HeaderLookup& header);

}  // namespace mcpgate::mcp
