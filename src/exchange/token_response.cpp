#include "exchange/token_response.hpp"

#include <algorithm>
#include <cstdint>

#include "core/ascii.hpp"
#include "core/json.hpp"

namespace mcpgate::exchange {
namespace json = boost::json;
using R = TokenError::Reason;

const char* reason_name(TokenError::Reason r) {
  switch (r) {
    case R::unreachable:
      return "unreachable";
    case R::refused:
      return "refused";
    case R::bad_answer:
      return "bad_answer";
    case R::busy:
      return "busy";
  }
  return "unknown";
}

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

namespace {

std::string_view string_at(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

}  // namespace

expected<IssuedToken, TokenError> token_from_answer(unsigned status, const json::object& o) {
  if (status / 100 != 2) {
    auto error = string_at(o, "error");
    return unexpected(TokenError{status == 503 ? R::busy : R::refused,
                                 error.empty() ? "HTTP " + std::to_string(status) : printable(error, 64),
                                 printable(string_at(o, "error_description"))});
  }
  auto token = string_at(o, "access_token");
  auto type = string_at(o, "token_type");
  if (token.empty()) return unexpected(TokenError{R::bad_answer, "", "no access_token"});
  // RFC 6749 §5.1: token_type is case-insensitive; only Bearer tokens can be presented here.
  if (!iequals_ascii(type, "Bearer")) return unexpected(TokenError{R::bad_answer, "", "token_type is not Bearer"});
  // The token goes into an Authorization header: a CR or LF in it would split the request.
  for (unsigned char c : token)
    if (c < 0x21 || c > 0x7e) return unexpected(TokenError{R::bad_answer, "", "access_token is not visible ASCII"});
  IssuedToken t;
  t.access_token = Secret(std::string(token));
  if (auto* e = o.if_contains("expires_in"); e && e->is_number()) {
    auto s = e->to_number<double>();
    if (s > 0)
      t.expires_in =
          std::chrono::seconds(static_cast<std::int64_t>(std::min(s, static_cast<double>(kMaxExpiresIn.count()))));
  }
  t.scope = std::string(string_at(o, "scope"));
  // A refresh token goes back in a form body only, but a control character in it would still be
  // stored and shown; refused like the access token's.
  if (auto refresh = string_at(o, "refresh_token"); !refresh.empty()) {
    for (unsigned char c : refresh)
      if (c < 0x21 || c > 0x7e) return unexpected(TokenError{R::bad_answer, "", "refresh_token is not visible ASCII"});
    t.refresh_token = Secret(std::string(refresh));
  }
  return t;
}

expected<IssuedToken, TokenError> parse_token_response(unsigned status, std::string_view body) {
  auto parsed = parse_json(body, {16, 64 * 1024});
  // A 503 is busy whatever its body: it comes as often from a load balancer's HTML page as from
  // the server, and busy is what /metrics and the client are told.
  if (!parsed || !parsed->is_object())
    return unexpected(TokenError{status == 503       ? R::busy
                                 : status / 100 == 2 ? R::bad_answer
                                                     : R::refused,
                                 "", "HTTP " + std::to_string(status) + " without a JSON object"});
  return token_from_answer(status, parsed->get_object());
}

}  // namespace mcpgate::exchange
