#include "mcp/server/uri_template.hpp"

#include <algorithm>
#include <cctype>

namespace mcpgate::mcp::server {

Result<UriTemplate> UriTemplate::compile(std::string_view text) {
  UriTemplate t;
  t.text_ = std::string(text);
  std::size_t i = 0;
  while (i < text.size()) {
    auto open = text.find('{', i);
    if (open == std::string_view::npos) {
      t.parts_.push_back({false, std::string(text.substr(i))});
      break;
    }
    if (open > i) t.parts_.push_back({false, std::string(text.substr(i, open - i))});
    auto close = text.find('}', open);
    if (close == std::string_view::npos) return fail("unterminated expression in URI template");
    auto name = text.substr(open + 1, close - open - 1);
    if (name.empty()) return fail("empty expression in URI template");
    for (char c : name)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'))
        return fail("URI template expressions must be level 1 ({name})");
    if (!t.parts_.empty() && t.parts_.back().variable) return fail("adjacent expressions in URI template");
    t.parts_.push_back({true, std::string(name)});
    i = close + 1;
  }
  return t;
}

bool UriTemplate::match_from(std::size_t part, std::string_view rest, std::map<std::string, std::string>& out) const {
  if (part == parts_.size()) return rest.empty();
  const auto& p = parts_[part];
  if (!p.variable) {
    if (!rest.starts_with(p.value)) return false;
    return match_from(part + 1, rest.substr(p.value.size()), out);
  }
  // The value stops at the first '/', so the candidates are the prefixes before it.
  auto limit = std::min(rest.find('/'), rest.size());
  for (std::size_t n = limit; n >= 1; --n) {
    if (match_from(part + 1, rest.substr(n), out)) {
      out[p.value] = std::string(rest.substr(0, n));
      return true;
    }
  }
  return false;
}

std::optional<std::map<std::string, std::string>> UriTemplate::match(std::string_view uri) const {
  std::map<std::string, std::string> vars;
  if (!match_from(0, uri, vars)) return std::nullopt;
  return vars;
}

}  // namespace mcpgate::mcp::server
