#include "policy/glob.hpp"

#include <vector>

namespace mcpgate::policy {

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with backtracking to the last `*` only: linear in practice and never
  // exponential, whatever a configured pattern looks like.
  std::size_t p = 0, t = 0, star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '{') {
      auto close = pattern.find('}', p);
      if (close != std::string_view::npos) {
        // {var}: one or more characters up to the next '/'
        std::size_t end = t;
        while (end < text.size() && text[end] != '/') ++end;
        if (end == t) return false;
        // Try the longest segment first, then shorter ones, matching the rest recursively.
        for (std::size_t e = end; e > t; --e)
          if (glob_match(pattern.substr(close + 1), text.substr(e))) return true;
        if (star_p == std::string_view::npos) return false;
        p = star_p + 1;
        t = ++star_t;
        continue;
      }
    }
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_t = t;
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

}  // namespace mcpgate::policy
