// RFC 6570 level 1 URI templates as MCP resource templates use them (resources/read matches the
// client's URI against every template). Input: the template on the first line, the URI after it.
// A match must expand back to the URI, with every value non-empty and free of '/'; matching must
// stay fast whatever the URI (a client controls it).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "mcp/server/uri_template.hpp"

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Level 1 expansion without percent-encoding: what the matched values must rebuild.
std::string expand(std::string_view tmpl, const std::map<std::string, std::string>& vars) {
  std::string out;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    auto open = tmpl.find('{', i);
    if (open == std::string_view::npos) {
      out += tmpl.substr(i);
      break;
    }
    out += tmpl.substr(i, open - i);
    auto close = tmpl.find('}', open);
    out += vars.at(std::string(tmpl.substr(open + 1, close - open - 1)));
    i = close + 1;
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view text = in.substr(0, nl);
  std::string_view uri = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  auto t = mcpgate::mcp::server::UriTemplate::compile(text);
  if (!t) return 0;
  check(t->text() == text);
  auto m = t->match(uri);
  if (m) {
    for (auto& [name, value] : *m) check(!name.empty() && !value.empty() && value.find('/') == std::string::npos);
    check(expand(text, *m) == uri);
  }
  if (text.find('{') == std::string_view::npos) check(m.has_value() == (uri == text));  // a literal is exact
  return 0;
}
