#include "authserver/upstream_idp.hpp"

#include <algorithm>

#include "authserver/federated_user.hpp"
#include "authserver/form.hpp"
#include "core/base64url.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/random.hpp"
#include "oauth/as_metadata.hpp"
#include "oauth/http_url.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;

std::string_view name(ProviderError e) {
  switch (e) {
    case ProviderError::unavailable:
      return "provider_unavailable";
    case ProviderError::refused:
      return "provider_refused";
    case ProviderError::no_id_token:
      return "no_id_token";
    case ProviderError::misconfigured:
      return "provider_misconfigured";
  }
  return "provider_error";
}

namespace {

unexpected<ProviderFailure> failure(ProviderError e, std::string detail) {
  return unexpected<ProviderFailure>(ProviderFailure{e, std::move(detail)});
}

// RFC 6749 §2.3.1: client_id and secret are form-encoded before they are joined for Basic.
std::string basic_credentials(std::string_view id, std::string_view secret) {
  return "Basic " + base64_encode(percent_encode(id) + ":" + percent_encode(secret));
}

// An OAuth error code from the provider, kept only if it is the plain token RFC 6749 §5.2 allows:
// it ends up in our log and audit record, so it must not carry markup or line breaks.
std::string error_code(const json::object& o) {
  auto* e = o.if_contains("error");
  if (!e || !e->is_string()) return "no error code";
  std::string s(e->as_string());
  if (s.size() > 64) return "invalid error code";
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || c == '_')) return "invalid error code";
  return s;
}

}  // namespace

Result<std::unique_ptr<UpstreamIdpClient>> UpstreamIdpClient::create(UpstreamIdp options,
                                                                     std::shared_ptr<oauth::HttpFetcher> http,
                                                                     const Clock& clock) {
  // The provider's issuer: https, or plain http to this machine (tests), the rule every fetched
  // URL follows (a key set or token answer fetched in clear can be replaced on the path).
  if (auto u = oauth::parse_http_url(options.issuer, false); !u)
    return fail("upstream_idp " + options.issuer + ": " + u.error().message);
  if (options.client_id.empty()) return fail("upstream_idp " + options.issuer + ": client_id is required");
  for (auto& claim : options.claims)
    if (reserved_claim(claim))
      return fail("upstream_idp " + options.issuer + ": claim " + claim +
                  " cannot be copied: mcpgate's tokens define it, or the gateway reads it as authorization");
  if (options.scopes.end() == std::find(options.scopes.begin(), options.scopes.end(), "openid"))
    return fail("upstream_idp " + options.issuer + ": scopes must include openid");
  std::unique_ptr<UpstreamIdpClient> c(new UpstreamIdpClient(std::move(options), std::move(http), clock));
  for (auto& a : c->opt_.algorithms) {
    auto alg = oauth::parse_algorithm(a);
    if (!alg || oauth::family(*alg) == oauth::AlgorithmFamily::hmac)
      return fail("upstream_idp " + c->opt_.issuer + ": algorithm " + a + " is not an asymmetric JWS algorithm");
    c->algorithms_.push_back(*alg);
  }
  if (!c->opt_.client_key_pem.empty()) {
    auto key = oauth::SigningKey::from_pem(c->opt_.client_key_pem);
    if (!key) return fail("upstream_idp " + c->opt_.issuer + ": client key: " + key.error().message);
    auto alg = oauth::parse_algorithm(c->opt_.client_key_alg);
    if (!alg) return fail("upstream_idp " + c->opt_.issuer + ": unknown client_key_alg " + c->opt_.client_key_alg);
    c->key_ = std::move(*key);
    c->key_alg_ = *alg;
  }
  return c;
}

expected<ProviderMetadata, ProviderFailure> UpstreamIdpClient::metadata() {
  {
    std::lock_guard lock(mu_);
    if (meta_) return *meta_;
  }
  // OpenID Connect Discovery 1.0 §4: the issuer with /.well-known/openid-configuration appended
  // (one slash: Auth0's issuers end with '/', and are compared with that slash).
  std::string_view base = opt_.issuer;
  if (base.ends_with('/')) base.remove_suffix(1);
  auto r = http_->fetch({"GET", std::string(base) + "/.well-known/openid-configuration", {}, {}});
  if (!r) return failure(ProviderError::unavailable, "discovery: " + r.error().message);
  if (r->status != 200)
    return failure(ProviderError::unavailable, "discovery answered HTTP " + std::to_string(r->status));
  // The document must name the configured issuer exactly (mix-up: another provider's document).
  auto m = oauth::parse_as_metadata(r->body, opt_.issuer);
  if (!m) return failure(ProviderError::misconfigured, "discovery: " + m.error().message);
  auto url = [&](std::string_view k) -> std::string {
    auto* v = m->raw.if_contains(k);
    if (!v || !v->is_string()) return {};
    std::string s(v->as_string());
    // Our secret (or assertion) and the user's code go to these: https, or loopback http only.
    if (!oauth::parse_http_url(s, false)) return {};
    return s;
  };
  ProviderMetadata pm{url("authorization_endpoint"), url("token_endpoint"), url("jwks_uri"), false,
                      url("end_session_endpoint")};
  if (auto* v = m->raw.if_contains("authorization_response_iss_parameter_supported"); v && v->is_bool())
    pm.iss_parameter = v->as_bool();
  if (pm.authorization_endpoint.empty() || pm.token_endpoint.empty() || pm.jwks_uri.empty())
    return failure(ProviderError::misconfigured,
                   "discovery: authorization_endpoint, token_endpoint or jwks_uri missing or not https");
  std::lock_guard lock(mu_);
  meta_ = pm;
  oauth::JwksCacheOptions jo;
  jwks_ = std::make_unique<oauth::JwksCache>(std::make_unique<oauth::UrlJwksSource>(pm.jwks_uri, http_), jo, clock_);
  return pm;
}

expected<std::string, ProviderFailure> UpstreamIdpClient::authorization_url(const AuthorizationRequest& r) {
  auto m = metadata();
  if (!m) return unexpected(m.error());
  std::string scope;
  for (auto& s : opt_.scopes) scope += (scope.empty() ? "" : " ") + s;
  // OIDC Core §11: a refresh token for use while the user is away is asked for with offline_access,
  // and "prompt=consent MUST be used unless other conditions … are in place" (providers such as
  // oidc-provider drop offline_access without it; consent_prompt: false where the provider grants
  // offline access by administrator consent and would otherwise ask at every sign-in).
  bool offline = opt_.recheck_on_refresh;
  if (offline && std::find(opt_.scopes.begin(), opt_.scopes.end(), "offline_access") == opt_.scopes.end())
    scope += " offline_access";
  std::string url = m->authorization_endpoint + (m->authorization_endpoint.find('?') == std::string::npos ? "?" : "&");
  url += "response_type=code&client_id=" + percent_encode(opt_.client_id) +
         "&redirect_uri=" + percent_encode(r.redirect_uri) + "&scope=" + percent_encode(scope) +
         "&state=" + percent_encode(r.state) + "&nonce=" + percent_encode(r.nonce) +
         "&code_challenge=" + percent_encode(r.code_challenge) + "&code_challenge_method=S256";
  if (offline && opt_.consent_prompt) url += "&prompt=consent";
  // Enterprise providers refuse (or misread) RFC 8707 `resource`: only when asked for.
  if (opt_.send_resource && !r.resource.empty()) url += "&resource=" + percent_encode(r.resource);
  return url;
}

expected<ProviderTokens, ProviderFailure> UpstreamIdpClient::redeem(std::string_view code,
                                                                    std::string_view redirect_uri,
                                                                    std::string_view verifier,
                                                                    std::string_view resource) {
  std::string body = "grant_type=authorization_code&code=" + percent_encode(code) +
                     "&redirect_uri=" + percent_encode(redirect_uri) + "&code_verifier=" + percent_encode(verifier);
  if (opt_.send_resource && !resource.empty()) body += "&resource=" + percent_encode(resource);
  auto o = token_request(std::move(body));
  if (!o) return unexpected(o.error());
  auto* id = o->if_contains("id_token");
  if (!id || !id->is_string() || id->as_string().empty())
    return failure(ProviderError::no_id_token, "the token response has no id_token");
  ProviderTokens out{std::string(id->as_string()), {}};
  // The provider's access token is dropped here: mcpgate uses the ID token's claims only (no
  // userinfo call). Its refresh token is kept only to re-check the user at refresh
  // (recheck_on_refresh), and then only sealed (token_sealer.hpp).
  if (auto* rt = o->if_contains("refresh_token"); opt_.recheck_on_refresh && rt && rt->is_string())
    out.refresh_token = Secret(std::string(rt->as_string()));
  return out;
}

expected<ProviderTokens, ProviderFailure> UpstreamIdpClient::refresh(std::string_view refresh_token) {
  auto o = token_request("grant_type=refresh_token&refresh_token=" + percent_encode(refresh_token));
  if (!o) return unexpected(o.error());
  ProviderTokens out;
  if (auto* id = o->if_contains("id_token"); id && id->is_string()) out.id_token = std::string(id->as_string());
  // A provider that rotates refresh tokens sends the next one; the one we sent is then spent.
  if (auto* rt = o->if_contains("refresh_token"); rt && rt->is_string() && !rt->as_string().empty())
    out.refresh_token = Secret(std::string(rt->as_string()));
  return out;
}

expected<json::object, ProviderFailure> UpstreamIdpClient::token_request(std::string body) {
  auto m = metadata();
  if (!m) return unexpected(m.error());
  oauth::HttpFetchRequest req{"POST",
                              m->token_endpoint,
                              {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}},
                              {}};
  if (key_) {
    // private_key_jwt (OIDC Core §9, RFC 7523 §2.2): a fresh single-use assertion for the token endpoint.
    auto now = std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    json::object claims{{"iss", opt_.client_id},
                        {"sub", opt_.client_id},
                        {"aud", m->token_endpoint},
                        {"jti", system_random().token(18)},
                        {"iat", now},
                        {"exp", now + 60}};
    oauth::MintRequest mr{*key_alg_, std::nullopt, std::nullopt, std::move(claims)};
    if (!opt_.client_key_id.empty()) mr.kid = opt_.client_key_id;
    auto assertion = oauth::mint_token(*key_, mr);
    if (!assertion) return failure(ProviderError::misconfigured, "client assertion: " + assertion.error().message);
    body += "&client_id=" + percent_encode(opt_.client_id) +
            "&client_assertion_type=" + percent_encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
            "&client_assertion=" + percent_encode(*assertion);
  } else if (!opt_.client_secret.empty()) {
    req.headers.emplace_back("Authorization", basic_credentials(opt_.client_id, opt_.client_secret.reveal()));
  } else {
    body += "&client_id=" + percent_encode(opt_.client_id);  // a public client at the provider
  }
  req.body = std::move(body);
  auto r = http_->fetch(req);
  if (!r) return failure(ProviderError::unavailable, "token endpoint: " + r.error().message);
  auto parsed = parse_json(r->body, {16, 256 * 1024});
  if (!parsed || !parsed->is_object())
    return failure(ProviderError::unavailable,
                   "token endpoint answered HTTP " + std::to_string(r->status) + " without a JSON object");
  auto& o = parsed->as_object();
  // RFC 6749 §5.2: an error answer is 400 (401 for client authentication). A 5xx with a JSON body
  // is the provider failing, not a verdict on the user: unavailable, so nobody is signed out by an outage.
  if (r->status >= 500)
    return failure(ProviderError::unavailable, "token endpoint answered HTTP " + std::to_string(r->status));
  if (r->status != 200) return failure(ProviderError::refused, "token endpoint: " + error_code(o));
  return std::move(o);
}

expected<IdToken, IdTokenError> UpstreamIdpClient::validate(std::string_view id_token, std::string_view nonce,
                                                            std::int64_t now) {
  oauth::JwksCache* cache = nullptr;
  {
    std::lock_guard lock(mu_);
    cache = jwks_.get();
  }
  if (!cache) return unexpected(IdTokenError::keys_unavailable);
  IdTokenCheck check{opt_.issuer, opt_.client_id,         std::string(nonce), algorithms_, opt_.user_claim,
                     now,         opt_.clock_skew.count()};
  return validate_id_token(id_token, check, [cache](const std::optional<std::string>& kid, oauth::Algorithm alg) {
    return cache->find(kid, alg);
  });
}

}  // namespace mcpgate::authserver
