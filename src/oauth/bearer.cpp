#include "oauth/bearer.hpp"

#include <array>

#include "core/ascii.hpp"

namespace mcpgate::oauth {
namespace {

// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
// A table, not std::isalnum: every authenticated request walks its whole token through this
// (isalnum through the PLT was 1 % of a proxied request's CPU), and ALPHA is ASCII in any locale.
constexpr std::array<bool, 256> kToken68Char = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~' || c == '+' || c == '/';
  return t;
}();

bool is_token68(std::string_view t) {
  std::size_t i = 0;
  while (i < t.size() && kToken68Char[static_cast<unsigned char>(t[i])]) ++i;
  if (i == 0) return false;
  for (; i < t.size(); ++i)
    if (t[i] != '=') return false;
  return true;
}

}  // namespace

AuthResult<Secret> extract_bearer(std::span<const HeaderField> headers, const BearerLimits& limits) {
  const std::string_view* value = nullptr;
  for (const auto& [n, v] : headers) {
    if (!iequals_ascii(n, "authorization")) continue;
    // Two Authorization headers are a request-smuggling smell: an intermediary may have read the
    // other one. Refuse rather than pick.
    if (value) return reject(AuthError::duplicate_authorization);
    value = &v;
  }
  if (!value) return reject(AuthError::missing_token);
  std::string_view v = *value;
  constexpr std::string_view kScheme = "bearer";
  if (v.size() < kScheme.size() || !iequals_ascii(v.substr(0, kScheme.size()), kScheme))
    return reject(AuthError::missing_token);
  v.remove_prefix(kScheme.size());
  if (!v.empty() && v.front() != ' ') return reject(AuthError::missing_token);  // "Bearerx …" is another scheme
  std::size_t spaces = 0;
  while (spaces < v.size() && v[spaces] == ' ') ++spaces;
  v.remove_prefix(spaces);
  if (v.size() > limits.max_token_bytes) return reject(AuthError::token_too_large);
  if (spaces == 0 || !is_token68(v)) return reject(AuthError::malformed_token);
  return Secret(std::string(v));
}

}  // namespace mcpgate::oauth
