#include "authserver/user_scopes.hpp"

#include <algorithm>

namespace mcpgate::authserver {

namespace {

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
    auto j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != ',') ++j;
    if (j > i) {
      std::string w(s.substr(i, j - i));
      if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(std::move(w));
    }
    i = j;
  }
  return out;
}

}  // namespace

UserGrant grant_for_user(const std::vector<std::string>& requested, std::string_view allowed) {
  UserGrant g;
  auto may = words(allowed);
  for (auto& s : requested) {
    bool ok = may.empty() || std::find(may.begin(), may.end(), s) != may.end();
    (ok ? g.granted : g.withheld).push_back(s);
  }
  return g;
}

std::string normalize_user_scope(std::string_view text, bool& ok) {
  ok = true;
  std::string out;
  for (auto& w : words(text)) {
    // RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E (the comma is a separator here).
    for (unsigned char c : w)
      if (c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e) ok = false;
    if (!out.empty()) out += ' ';
    out += w;
  }
  if (!ok) out.clear();
  return out;
}

}  // namespace mcpgate::authserver
