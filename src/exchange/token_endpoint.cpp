#include "exchange/token_endpoint.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "authserver/authorization_server.hpp"
#include "core/base64url.hpp"
#include "core/random.hpp"
#include "exchange/discovery.hpp"
#include "mcp/json.hpp"
#include "oauth/introspection.hpp"  // form_urlencode

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

namespace {

std::string_view string_at(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// Printable ASCII only, bounded: an error description from a remote server goes into logs and
// into the client's error message.
std::string printable(std::string_view s, std::size_t max = 200) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

namespace {

expected<IssuedToken, TokenError> from_answer(unsigned status, const json::object& o) {
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
  if (type.size() != 6 || (type[0] | 0x20) != 'b' || (type.substr(1) != "earer" && type.substr(1) != "EARER"))
    return unexpected(TokenError{R::bad_answer, "", "token_type is not Bearer"});
  for (unsigned char c : token)
    if (c < 0x21 || c > 0x7e) return unexpected(TokenError{R::bad_answer, "", "access_token is not visible ASCII"});
  IssuedToken t;
  t.access_token = Secret(std::string(token));
  if (auto* e = o.if_contains("expires_in"); e && e->is_number()) {
    auto s = e->to_number<double>();
    if (s > 0) t.expires_in = std::chrono::seconds(static_cast<std::int64_t>(std::min(s, 1e9)));
  }
  t.scope = std::string(string_at(o, "scope"));
  return t;
}

}  // namespace

expected<IssuedToken, TokenError> parse_token_response(unsigned status, std::string_view body) {
  auto parsed = mcp::parse_json(body, {16, 64 * 1024});
  if (!parsed || !parsed->is_object())
    return unexpected(TokenError{status / 100 == 2 ? R::bad_answer : R::refused, "",
                                 "HTTP " + std::to_string(status) + " without a JSON object"});
  return from_answer(status, parsed->get_object());
}

net::awaitable<expected<IssuedToken, TokenError>> EmbeddedTokenEndpoint::request(Form form) {
  auto r = co_await server_.internal_grant(std::move(form), client_id_);
  if (!r)
    co_return unexpected(
        TokenError{r.error().status == 503 ? R::busy : R::refused, r.error().error, printable(r.error().description)});
  co_return from_answer(200, *r);
}

expected<std::string, TokenError> RemoteTokenEndpoint::endpoint() {
  if (!options_.token_endpoint.empty()) return options_.token_endpoint;
  {
    std::lock_guard lock(mutex_);
    if (!discovered_.empty()) return discovered_;
  }
  // Found once (a failure is tried again on the next request).
  expected<std::string, TokenError> found = unexpected(TokenError{R::unreachable, "", "not discovered"});
  if (!options_.discover_from.empty()) {
    auto d = discover_token_endpoint(*fetcher_, options_.discover_from);
    if (!d) return unexpected(d.error());
    found = d->token_endpoint;
  } else {
    found = token_endpoint_of(*fetcher_, options_.issuer);
  }
  if (!found) return found;
  std::lock_guard lock(mutex_);
  discovered_ = *found;
  return discovered_;
}

expected<IssuedToken, TokenError> RemoteTokenEndpoint::request_blocking(const Form& form) {
  auto url = endpoint();
  if (!url) return unexpected(url.error());
  oauth::HttpFetchRequest r;
  r.method = "POST";
  r.url = *url;
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  r.headers.emplace_back("Accept", "application/json");
  for (auto& [k, v] : form) {
    if (!r.body.empty()) r.body += '&';
    r.body += oauth::form_urlencode(k) + "=" + oauth::form_urlencode(v);
  }
  if (options_.assertion_key) {
    // RFC 7523 §3: iss = sub = the client, aud = the token endpoint, short-lived, never reused.
    auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    oauth::MintRequest m;
    m.alg = options_.assertion_alg;
    if (!options_.assertion_kid.empty()) m.kid = options_.assertion_kid;
    m.typ = std::nullopt;
    m.claims = json::object{{"iss", options_.client_id},        {"sub", options_.client_id}, {"aud", *url},
                            {"jti", system_random().token(18)}, {"iat", now.count()},        {"exp", now.count() + 60}};
    auto assertion = oauth::mint_token(*options_.assertion_key, m);
    if (!assertion) return unexpected(TokenError{R::bad_answer, "", "cannot sign the client assertion"});
    r.body += "&client_id=" + oauth::form_urlencode(options_.client_id) + "&client_assertion_type=" +
              oauth::form_urlencode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
              "&client_assertion=" + oauth::form_urlencode(*assertion);
  } else if (options_.client_secret_post) {
    r.body += "&client_id=" + oauth::form_urlencode(options_.client_id) +
              "&client_secret=" + oauth::form_urlencode(options_.client_secret.reveal());
  } else {
    // RFC 6749 §2.3.1: each part form-encoded before Base64.
    std::string creds =
        oauth::form_urlencode(options_.client_id) + ":" + oauth::form_urlencode(options_.client_secret.reveal());
    r.headers.emplace_back("Authorization", "Basic " + base64_encode(creds));
  }
  auto got = fetcher_->fetch(r);
  if (!got) return unexpected(TokenError{R::unreachable, "", printable(got.error().message)});
  return parse_token_response(got->status, got->body);
}

net::awaitable<expected<IssuedToken, TokenError>> RemoteTokenEndpoint::request(Form form) {
  auto run = [](RemoteTokenEndpoint* self, Form f) -> net::awaitable<expected<IssuedToken, TokenError>> {
    co_return self->request_blocking(f);
  };
  co_return co_await net::asio::co_spawn(blocking_, run(this, std::move(form)), net::asio::use_awaitable);
}

}  // namespace mcpgate::exchange
