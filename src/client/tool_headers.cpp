#include "client/tool_headers.hpp"

#include <boost/json.hpp>

namespace mcpgate::client {
namespace json = boost::json;

namespace {

// Counts the annotations along the chain of `properties` keys that mcp::param_headers_of reads,
// whatever their value: a difference with what it accepts is an annotation it refused.
int count_annotations(const json::object& schema, int depth) {
  auto* props = schema.if_contains("properties");
  if (!props || !props->is_object() || depth > 16) return 0;
  int n = 0;
  for (auto& [key, sub] : props->get_object()) {
    if (!sub.is_object()) continue;
    n += sub.get_object().contains("x-mcp-header");
    n += count_annotations(sub.get_object(), depth + 1);
  }
  return n;
}

}  // namespace

bool tool_headers_valid(const json::object& tool) {
  auto* schema = tool.if_contains("inputSchema");
  if (!schema || !schema->is_object()) return true;
  auto& s = schema->get_object();
  // 2026-07-28 transports: a client MUST exclude a tool whose annotations are invalid (and keep
  // the others), rather than guess which header the server expects.
  return count_annotations(s, 0) == static_cast<int>(mcp::param_headers_of(s).size());
}

std::vector<std::pair<std::string, std::string>> param_headers_for(const std::vector<mcp::ParamHeader>& annotations,
                                                                   const json::object* arguments) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& a : annotations) {
    auto* v = mcp::argument_at(arguments, a.path);
    // An absent or null argument sends no header (the server expects none).
    if (!v || v->is_null()) continue;
    std::string text;
    if (v->is_string())
      text = mcp::encode_header_value(v->get_string());
    else if (v->is_bool())
      text = v->get_bool() ? "true" : "false";
    else if (v->is_number())
      text = json::serialize(*v);
    else
      continue;  // an object or array where the schema said a primitive: nothing sensible to mirror
    out.emplace_back("Mcp-Param-" + a.name, std::move(text));
  }
  return out;
}

}  // namespace mcpgate::client
