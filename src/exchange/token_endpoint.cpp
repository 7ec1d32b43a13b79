#include "exchange/token_endpoint.hpp"

#include "authserver/authorization_server.hpp"
#include "core/base64url.hpp"
#include "core/random.hpp"
#include "exchange/discovery.hpp"
#include "net/run_on.hpp"
#include "oauth/introspection.hpp"  // form_urlencode

namespace mcpgate::exchange {
namespace json = boost::json;
using R = TokenError::Reason;

net::awaitable<expected<IssuedToken, TokenError>> EmbeddedTokenEndpoint::request(Form form) {
  auto r = co_await server_.internal_grant(std::move(form), client_id_);
  if (!r)
    co_return unexpected(
        TokenError{r.error().status == 503 ? R::busy : R::refused, r.error().error, printable(r.error().description)});
  co_return token_from_answer(200, *r);
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
  co_return co_await net::run_on(blocking_.get_executor(), [this, &form] { return request_blocking(form); });
}

}  // namespace mcpgate::exchange
