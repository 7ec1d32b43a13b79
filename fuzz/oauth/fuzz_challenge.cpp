// WWW-Authenticate challenges (RFC 6750 §3, RFC 9728 §5.1): the header every client parses after
// a 401/403. Whatever the resource_metadata URL and scopes hold, the header must stay one line of
// visible ASCII, parse as `Bearer` plus auth-params (RFC 9110 §11.2), and give back the values we
// put in (minus the bytes quote_auth_param drops).
// Input: the resource_metadata URL on the first line, scopes space-separated on the second.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oauth/challenge.hpp"

namespace {
using namespace mcpgate::oauth;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// What quote_auth_param promises to keep: visible ASCII and space.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c >= 0x20 && c <= 0x7e) out += c;
  return out;
}

// A client's reading of `Bearer k="v", k2="v2"`; nullopt when it is not that shape.
std::optional<std::map<std::string, std::string>> parse_challenge(std::string_view h) {
  std::map<std::string, std::string> params;
  if (!h.starts_with("Bearer")) return std::nullopt;
  h.remove_prefix(6);
  bool first = true;
  while (!h.empty()) {
    std::string_view sep = first ? " " : ", ";
    if (!h.starts_with(sep)) return std::nullopt;
    h.remove_prefix(sep.size());
    first = false;
    auto eq = h.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    std::string name(h.substr(0, eq));
    h.remove_prefix(eq + 1);
    if (h.empty() || h.front() != '"') return std::nullopt;
    h.remove_prefix(1);
    std::string value;
    for (;;) {
      if (h.empty()) return std::nullopt;
      char c = h.front();
      h.remove_prefix(1);
      if (c == '"') break;
      if (c == '\\') {
        if (h.empty()) return std::nullopt;
        c = h.front();
        h.remove_prefix(1);
      }
      value += c;
    }
    if (!params.emplace(std::move(name), std::move(value)).second) return std::nullopt;  // no duplicates
  }
  return params;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  ChallengeContext ctx;
  ctx.resource_metadata = std::string(in.substr(0, nl));
  std::string scope_line;
  if (nl != std::string_view::npos) {
    std::string_view rest = in.substr(nl + 1);
    for (std::size_t i = 0; i <= rest.size();) {
      auto sp = rest.find(' ', i);
      if (sp == std::string_view::npos) sp = rest.size();
      if (sp > i) ctx.scopes.emplace_back(rest.substr(i, sp - i));
      i = sp + 1;
    }
    for (auto& s : ctx.scopes) scope_line += (scope_line.empty() ? "" : " ") + s;
  }

  // One error per input (chosen by its length), so that each run stays cheap.
  constexpr auto kErrors = static_cast<std::size_t>(AuthError::insufficient_scope) + 1;
  auto error = static_cast<AuthError>(size % kErrors);
  auto c = challenge_for(error, ctx);
  if (c.www_authenticate.empty()) {
    check(c.status == 503);  // only our own failures go without a challenge
  } else {
    check(c.status == 400 || c.status == 401 || c.status == 403);
    for (char ch : c.www_authenticate) check(ch >= 0x20 && ch <= 0x7e);  // cannot split the header
    auto params = parse_challenge(c.www_authenticate);
    check(params.has_value());
    if (!ctx.resource_metadata.empty()) check(params->at("resource_metadata") == printable(ctx.resource_metadata));
    if (params->contains("scope")) check(params->at("scope") == printable(scope_line));
    if (error == AuthError::insufficient_scope) check(c.status == 403 && params->at("error") == "insufficient_scope");
  }
  // A quoted-string reads back as the printable part of what went in.
  auto q = quote_auth_param(in);
  auto back = parse_challenge("Bearer x=" + q);
  check(back && back->at("x") == printable(in));
  return 0;
}
