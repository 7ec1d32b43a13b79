#include "policy/glob.hpp"

#include <vector>

namespace mcpgate::policy {
namespace {

// `*` and `?` only: iterative, backtracking to the last `*` only, so linear in practice and never
// exponential, whatever a configured pattern looks like.
bool match_wildcards(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    // `*` first: compared as a literal with a `*` in the text, it would match only that character
    // and let a client write its way around a rule ("a/*/b" missing "a/*x/b").
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_t = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star_p != std::string_view::npos) {
      p = star_p + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

struct Element {
  enum Kind { literal, any_one, any_run, variable } kind;
  char c = 0;
};

// With `{var}` expressions, trying every length of each one recursively takes
// (text length)^(expressions) on a client's name or URI (one request could stall the gateway).
// Instead: rest[t] says whether the pattern elements from the current one on match text[t, end),
// computed from the last element back, one pass over the text per element.
bool match_with_variables(const std::vector<Element>& elements, std::string_view text) {
  const std::size_t n = text.size();
  // segment_end[t]: the first '/' at or after t, or n: a variable's value cannot cross it.
  std::vector<std::size_t> segment_end(n + 1, n);
  for (std::size_t t = n; t-- > 0;) segment_end[t] = text[t] == '/' ? t : segment_end[t + 1];
  std::vector<char> rest(n + 1, 0), row(n + 1, 0);
  rest[n] = 1;
  for (std::size_t e = elements.size(); e-- > 0;) {
    const auto& el = elements[e];
    switch (el.kind) {
      case Element::literal:
      case Element::any_one:
        for (std::size_t t = 0; t < n; ++t) row[t] = rest[t + 1] && (el.kind == Element::any_one || text[t] == el.c);
        row[n] = 0;
        break;
      case Element::any_run:
        row[n] = rest[n];
        for (std::size_t t = n; t-- > 0;) row[t] = rest[t] || row[t + 1];
        break;
      case Element::variable: {
        // One or more characters of one segment: some q in (t, segment_end[t]] must start a match.
        std::size_t nearest = std::string_view::npos;  // the smallest such q after t
        for (std::size_t t = n + 1; t-- > 0;) {
          row[t] = nearest != std::string_view::npos && nearest <= segment_end[t];
          if (rest[t]) nearest = t;
        }
        break;
      }
    }
    rest.swap(row);
  }
  return rest[0] != 0;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Most patterns have no `{var}`: matched in place, with nothing allocated (list filtering
  // matches every item against the rules the pattern index leaves).
  if (pattern.find('{') == std::string_view::npos) return match_wildcards(pattern, text);
  std::vector<Element> elements;
  bool variables = false;
  for (std::size_t p = 0; p < pattern.size(); ++p) {
    char c = pattern[p];
    if (c == '{') {
      if (auto close = pattern.find('}', p); close != std::string_view::npos) {
        elements.push_back({Element::variable});
        variables = true;
        p = close;
        continue;
      }
    }
    if (c == '*') {
      elements.push_back({Element::any_run});
    } else if (c == '?') {
      elements.push_back({Element::any_one});
    } else {
      elements.push_back({Element::literal, c});
    }
  }
  return variables ? match_with_variables(elements, text) : match_wildcards(pattern, text);
}

}  // namespace mcpgate::policy
