#include "mcp/http_headers.hpp"

#include <boost/json/serialize.hpp>
#include <cctype>

#include "core/ascii.hpp"
#include "core/base64url.hpp"

namespace mcpgate::mcp {
namespace json = boost::json;

namespace {

// RFC 9110 §5.6.2 tchar.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (std::isalnum(c)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos) return false;
  }
  return true;
}

// Field values are visible ASCII, space and tab (RFC 9110 §5.5); anything else must have come
// through the Base64 sentinel. obs-text (0x80-0xFF), which HTTP parsers let through, is refused.
bool plain_field_value(std::string_view s) {
  for (unsigned char c : s)
    if (c != '\t' && (c < 0x20 || c > 0x7e)) return false;
  return true;
}

// "42", "-7", "42.0", "42.000": an integer written in decimal. nullopt otherwise.
std::optional<long double> integer_text(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  std::size_t digits = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == digits || i - digits > 20) return std::nullopt;
  std::size_t int_end = i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i == s.size()) return std::nullopt;
    while (i < s.size() && s[i] == '0') ++i;
  }
  if (i != s.size()) return std::nullopt;
  long double v = 0;
  for (std::size_t k = digits; k < int_end; ++k) v = v * 10 + (s[k] - '0');
  return s.front() == '-' ? -v : v;
}

std::optional<long double> integer_value(const json::value& v) {
  if (v.is_int64()) return static_cast<long double>(v.get_int64());
  if (v.is_uint64()) return static_cast<long double>(v.get_uint64());
  if (v.is_double()) {
    double d = v.get_double();
    if (d == static_cast<double>(static_cast<long long>(d))) return static_cast<long double>(d);
  }
  return std::nullopt;
}

void collect(const json::object& schema, std::vector<std::string>& path, std::vector<ParamHeader>& out, int depth) {
  // Only a chain of `properties` keys reaches an annotation (2026-07-28 transports, "Schema
  // Extension"): items, compositions, conditionals and $ref are not followed.
  auto* props = schema.if_contains("properties");
  if (!props || !props->is_object() || depth > 16) return;
  for (auto& [key, sub] : props->get_object()) {
    if (!sub.is_object()) continue;
    auto& s = sub.get_object();
    path.emplace_back(key);
    if (auto* h = s.if_contains("x-mcp-header"); h && h->is_string()) {
      auto* t = s.if_contains("type");
      std::string type = t && t->is_string() ? std::string(t->get_string()) : std::string();
      if (is_token(h->get_string()) && (type == "string" || type == "integer" || type == "boolean"))
        out.push_back(ParamHeader{path, std::string(h->get_string()), type});
    }
    collect(s, path, out, depth + 1);
    path.pop_back();
  }
}

bool same_value(const json::value& body, std::string_view header) {
  if (body.is_string()) return body.get_string() == header;
  if (body.is_bool()) return header == (body.get_bool() ? "true" : "false");
  if (auto n = integer_value(body)) {
    auto h = integer_text(header);
    return h && *h == *n;
  }
  return json::serialize(body) == header;
}

}  // namespace

Accepts parse_accept(std::string_view accept) {
  Accepts a;
  if (trim_ows(accept).empty()) return {true, false};
  std::size_t start = 0;
  while (start <= accept.size()) {
    auto comma = accept.find(',', start);
    auto item =
        trim_ows(accept.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    auto type = trim_ows(item.substr(0, item.find(';')));
    // Media types are case-insensitive (RFC 9110 §8.3.1).
    if (iequals_ascii(type, "application/json"))
      a.json = true;
    else if (iequals_ascii(type, "text/event-stream"))
      a.sse = true;
    else if (type == "*/*" || iequals_ascii(type, "application/*"))
      a.json = true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return a;
}

bool is_json_content_type(std::string_view content_type) {
  return iequals_ascii(trim_ows(content_type.substr(0, content_type.find(';'))), "application/json");
}

std::string_view name_header_param(std::string_view method) {
  if (method == "tools/call" || method == "prompts/get") return "name";
  if (method == "resources/read") return "uri";
  if (is_task_method(method)) return "taskId";
  return {};
}

bool is_task_method(std::string_view method) {
  return method == "tasks/get" || method == "tasks/update" || method == "tasks/cancel";
}

std::optional<std::string> decode_header_value(std::string_view value) {
  value = trim_ows(value);
  constexpr std::string_view kPrefix = "=?base64?", kSuffix = "?=";
  if (value.size() >= kPrefix.size() + kSuffix.size() && value.starts_with(kPrefix) && value.ends_with(kSuffix))
    return base64_decode(value.substr(kPrefix.size(), value.size() - kPrefix.size() - kSuffix.size()));
  return std::string(value);
}

std::string encode_header_value(std::string_view v) {
  bool plain = !v.empty() && v.front() != ' ' && v.back() != ' ' && v.front() != '\t' && v.back() != '\t';
  for (unsigned char c : v)
    if (c < 0x20 || c > 0x7e) plain = false;
  if (plain && !v.starts_with("=?")) return std::string(v);
  return "=?base64?" + base64_encode(v) + "?=";
}

const json::value* argument_at(const json::object* arguments, const std::vector<std::string>& path) {
  const json::object* o = arguments;
  const json::value* v = nullptr;
  for (auto& key : path) {
    if (!o) return nullptr;
    v = o->if_contains(key);
    if (!v) return nullptr;
    o = v->is_object() ? &v->get_object() : nullptr;
  }
  return v;
}

std::vector<ParamHeader> param_headers_of(const json::object& input_schema) {
  std::vector<ParamHeader> all;
  std::vector<std::string> path;
  collect(input_schema, path, all, 0);
  // Names must be unique ignoring case; a repeated one says nothing reliable about either argument.
  std::vector<ParamHeader> out;
  for (auto& a : all) {
    int same = 0;
    for (auto& b : all) same += iequals_ascii(a.name, b.name);
    if (same == 1) out.push_back(a);
  }
  return out;
}

std::optional<ParamHeaderProblem> check_param_headers(const std::vector<ParamHeader>& annotations,
                                                      const json::object* arguments, const HeaderLookup& header) {
  for (auto& a : annotations) {
    std::string name = "Mcp-Param-" + a.name;
    auto* value = argument_at(arguments, a.path);
    bool has_value = value && !value->is_null();
    auto raw = header(name);
    if (!raw) {
      if (has_value) return ParamHeaderProblem{ParamHeaderError::missing, name, "Missing " + name + " header"};
      continue;
    }
    auto trimmed = trim_ows(*raw);
    if (!plain_field_value(trimmed))
      return ParamHeaderProblem{ParamHeaderError::invalid, name, name + " header contains invalid characters"};
    auto decoded = decode_header_value(trimmed);
    if (!decoded) return ParamHeaderProblem{ParamHeaderError::invalid, name, name + " header is not valid Base64"};
    // A header for an argument the body does not carry is a disagreement too: whoever routed on
    // the header decided about a call that is not the one that runs.
    if (!has_value || !same_value(*value, *decoded))
      return ParamHeaderProblem{ParamHeaderError::mismatch, name, name + " header does not match the request body"};
  }
  return std::nullopt;
}

}  // namespace mcpgate::mcp
