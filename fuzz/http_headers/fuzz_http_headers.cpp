// The Streamable HTTP headers a client controls (mcp/http_headers): Accept, Content-Type, the
// `=?base64?…?=` value encoding and Mcp-Param-* against a tool's x-mcp-header annotations. No
// crash or leak on any input; a value the encoding accepts decodes to the same bytes twice; a
// header built from the body's own value by the transport's rules is always accepted.
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base64url.hpp"
#include "core/json.hpp"
#include "mcp/http_headers.hpp"

namespace json = boost::json;
using namespace mcpgate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)mcp::parse_accept(in);
  (void)mcp::is_json_content_type(in);
  auto decoded = mcp::decode_header_value(in);
  // A value the client encoded with the sentinel decodes back to itself.
  if (mcp::decode_header_value("=?base64?" + base64_encode(in) + "?=") != std::string(in)) __builtin_trap();
  (void)decoded;

  // Input split at the first NUL: an inputSchema (JSON) and the text of one header value.
  auto nul = in.find('\0');
  auto schema_text = in.substr(0, nul);
  auto value = nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);
  auto parsed = parse_json(schema_text, {32, 64 * 1024});
  if (!parsed || !parsed->is_object()) return 0;
  auto annotations = mcp::param_headers_of(parsed->get_object());
  for (auto& a : annotations) {
    if (a.path.empty() || a.name.empty()) __builtin_trap();
    if (a.type != "string" && a.type != "integer" && a.type != "boolean") __builtin_trap();
  }
  // Every annotated argument set to `value` (as a string), and every header the encoded value.
  json::object args;
  for (auto& a : annotations) {
    json::object* o = &args;
    for (std::size_t i = 0; i + 1 < a.path.size(); ++i) {
      auto& slot = (*o)[a.path[i]];
      if (!slot.is_object()) slot = json::object();
      o = &slot.get_object();
    }
    (*o)[a.path.back()] = value;
  }
  std::string header = "=?base64?" + base64_encode(value) + "?=";
  auto lookup = [&](std::string_view) -> std::optional<std::string_view> { return std::string_view(header); };
  auto problem = mcp::check_param_headers(annotations, &args, lookup);
  // Two annotations may share a path prefix (one overwriting the other's object): only when every
  // argument kept its value is the check bound to pass.
  bool intact = true;
  for (auto& a : annotations) {
    const json::value* v = nullptr;
    const json::object* o = &args;
    for (auto& k : a.path) {
      v = o ? o->if_contains(k) : nullptr;
      o = v && v->is_object() ? &v->get_object() : nullptr;
    }
    intact &= v && v->is_string() && v->get_string() == value;
  }
  if (intact && problem) __builtin_trap();
  (void)mcp::check_param_headers(annotations, &args,
                                 [&](std::string_view) { return std::optional<std::string_view>(value); });
  return 0;
}
