#include "mcp/server/uri_template.hpp"

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
    // "x://{id}/y/{id}" would match "x://1/y/2" and hand the server one of the two ids.
    for (auto& p : t.parts_)
      if (p.variable && p.value == name) return fail("a variable is named twice in URI template");
    t.parts_.push_back({true, std::string(name)});
    i = close + 1;
  }
  return t;
}

std::optional<std::map<std::string, std::string>> UriTemplate::match(std::string_view uri) const {
  // A backtracking search would try every split of the URI between the expressions, in time
  // (URI length)^(expressions): one resources/read could stall the server. Instead, tail[j][p]
  // says whether parts [j, end) match uri[p, end); each row is filled in one pass, last part first.
  const std::size_t n = uri.size(), k = parts_.size();
  // segment_end[p]: the first '/' at or after p, or n: an expression's value cannot cross it.
  std::vector<std::size_t> segment_end(n + 1, n);
  for (std::size_t p = n; p-- > 0;) segment_end[p] = uri[p] == '/' ? p : segment_end[p + 1];
  std::vector<std::vector<bool>> tail(k + 1, std::vector<bool>(n + 1, false));
  tail[k][n] = true;
  for (std::size_t j = k; j-- > 0;) {
    const auto& next = tail[j + 1];
    auto& row = tail[j];
    const auto& part = parts_[j];
    if (!part.variable) {
      const auto len = part.value.size();
      for (std::size_t p = 0; p + len <= n; ++p) row[p] = next[p + len] && uri.substr(p, len) == part.value;
    } else {
      // A value is one or more characters of one segment: some q in (p, segment_end[p]] must
      // start a match of the rest. `nearest` is the smallest such start after p.
      std::size_t nearest = std::string_view::npos;
      for (std::size_t p = n + 1; p-- > 0;) {
        row[p] = nearest != std::string_view::npos && nearest <= segment_end[p];
        if (next[p]) nearest = p;
      }
    }
  }
  if (!tail[0][0]) return std::nullopt;
  std::map<std::string, std::string> vars;
  std::size_t p = 0;
  for (std::size_t j = 0; j < k; ++j) {
    if (!parts_[j].variable) {
      p += parts_[j].value.size();
      continue;
    }
    auto q = segment_end[p];  // the longest value that lets the rest match
    while (!tail[j + 1][q]) --q;
    vars[parts_[j].value] = std::string(uri.substr(p, q - p));
    p = q;
  }
  return vars;
}

}  // namespace mcpgate::mcp::server
