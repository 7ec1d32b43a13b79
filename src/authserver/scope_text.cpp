#include "authserver/scope_text.hpp"

#include <algorithm>

namespace mcpgate::authserver {

std::vector<std::string> split_scope(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    auto sp = s.find(' ');
    auto w = s.substr(0, sp);
    if (!w.empty() && std::find(out.begin(), out.end(), w) == out.end()) out.emplace_back(w);
    if (sp == std::string_view::npos) break;
    s.remove_prefix(sp + 1);
  }
  return out;
}

std::string join_scope(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  std::string out;
  for (auto& s : v) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool valid_scope_token(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e) return false;
  return !s.empty();
}

}  // namespace mcpgate::authserver
