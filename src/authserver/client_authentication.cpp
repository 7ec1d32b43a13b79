// Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3, RFC 7523 §2.2).
#include "authserver/server_impl.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/secret.hpp"
#include "oauth/access_token.hpp"
#include "oauth/jws.hpp"
#include "oauth/signature.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Exchange;
using net::Request;
using net::Response;

namespace {
constexpr std::string_view kClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
}  // namespace

// RFC 6749 §2.3, RFC 7523 §2.2. Exactly one method; it must be the client's registered one (a
// confidential client cannot fall back to "none").
net::awaitable<OAuthResult<AuthenticatedClient>> AuthorizationServer::Impl::authenticate_client(
    const Request& req, const Params& params, bool require_confidential) {
  auto basic_header = req[http::field::authorization];
  bool has_basic = !basic_header.empty();
  bool has_assertion = params.contains("client_assertion") || params.contains("client_assertion_type");
  bool has_post = params.contains("client_secret");
  int methods = int(has_basic) + int(has_assertion) + int(has_post);
  auto invalid = [&](std::string d) {
    return unexpected(OAuthFailure{OAuthError::invalid_client, std::move(d), has_basic, 0});
  };
  // A store that cannot be read says nothing about the credentials: 503 and retry, not
  // invalid_client (which tells a client its registration is gone, and sends DCR clients to
  // register again against a recovering store). Still closed: nothing is issued.
  bool unavailable = false;
  auto lookup = [&](std::string_view id) -> net::awaitable<std::optional<ClientRecord>> {
    auto c = co_await find_client(id);
    if (!c) {
      unavailable |= c.error().unavailable;
      co_return std::nullopt;
    }
    co_return std::move(*c);
  };
  if (methods > 1) co_return oauth_error(OAuthError::invalid_request, "use exactly one client authentication method");
  std::string client_id;
  std::optional<BasicCredentials> basic;
  if (has_basic) {
    basic = parse_basic_auth(basic_header);
    if (!basic) co_return invalid("malformed Basic credentials");
  }
  auto body_id = params.find("client_id");
  // Basic: the RFC 6749 §2.3.1 reading (both parts form-decoded), then the raw one (both parts as
  // sent). A reading is an id and a secret together: the encoded id of one reading never pairs
  // with the secret of the other, so the fallback accepts no credential that neither reading
  // proves on its own (see docs/authorization-server.md, "Client authentication").
  std::optional<ClientRecord> client;
  bool basic_proved = false;
  if (basic) {
    std::pair<const std::string*, const Secret*> readings[] = {{&basic->client_id, &basic->client_secret},
                                                               {&basic->raw_client_id, &basic->raw_client_secret}};
    for (auto [id, secret] : readings) {
      // Here and below, a client that cannot be looked up (an unusable metadata document) is not
      // authenticated: invalid_client, fail closed.
      auto c = co_await lookup(*id);
      if (!c) continue;
      bool proved = !c->secret_hash.empty() && constant_time_equal(sha256_hex(secret->reveal()), c->secret_hash);
      if (!client || proved) client = *c;
      if (proved) {
        basic_proved = true;
        break;
      }
    }
    if (client && body_id != params.end() && body_id->second != client->client_id)
      co_return oauth_error(OAuthError::invalid_request, "client_id does not match the authenticated client");
  } else if (has_assertion) {
    auto a = params.find("client_assertion");
    if (a == params.end() || params.find("client_assertion_type") == params.end() ||
        params.find("client_assertion_type")->second != kClientAssertionType)
      co_return invalid("client_assertion_type must be " + std::string(kClientAssertionType));
    auto jws = oauth::parse_jws(a->second);
    if (!jws) co_return invalid("client_assertion is not a JWT");
    auto claims = parse_json(jws->payload, {16, 16 * 1024});
    if (!claims || !claims->is_object()) co_return invalid("client_assertion is not a JWT");
    auto* sub = claims->as_object().if_contains("sub");
    if (!sub || !sub->is_string()) co_return invalid("client_assertion has no sub");
    client_id = std::string(sub->as_string());
    if (body_id != params.end() && body_id->second != client_id)
      co_return oauth_error(OAuthError::invalid_request, "client_id does not match the client assertion");
    client = co_await lookup(client_id);
  } else {
    if (body_id == params.end()) co_return invalid("client authentication is required");
    client = co_await lookup(body_id->second);
  }
  if (!client && unavailable)
    co_return unexpected(OAuthFailure{OAuthError::temporarily_unavailable,
                                      "the authorization server cannot reach its storage; retry shortly", false, 0});
  if (!client) co_return invalid("client authentication failed");

  const auto& m = client->token_endpoint_auth_method;
  std::string used = has_basic       ? "client_secret_basic"
                     : has_assertion ? "private_key_jwt"
                     : has_post      ? "client_secret_post"
                                     : "none";
  // A client registered for Basic may also use post and vice versa (both prove the secret).
  bool secret_method = (m == "client_secret_basic" || m == "client_secret_post") &&
                       (used == "client_secret_basic" || used == "client_secret_post");
  if (used != m && !secret_method) co_return invalid("client authentication failed");
  if (used == "client_secret_basic" || used == "client_secret_post") {
    bool ok = false;
    if (used == "client_secret_basic") {
      ok = basic_proved;
    } else {
      ok = constant_time_equal(sha256_hex(params.find("client_secret")->second), client->secret_hash);
    }
    if (client->secret_hash.empty() || !ok) co_return invalid("client authentication failed");
  } else if (used == "private_key_jwt") {
    auto r =
        co_await pool_.run([&] { return verify_client_assertion(params.find("client_assertion")->second, *client); });
    if (!r) co_return invalid(r.error());
  }
  if (require_confidential && used == "none") co_return invalid("this endpoint requires an authenticated client");
  co_return AuthenticatedClient{*client, used};
}

// RFC 7523 §3: iss = sub = client_id, aud = our token endpoint or issuer, exp, single-use jti.
expected<void, std::string> AuthorizationServer::Impl::verify_client_assertion(std::string_view assertion,
                                                                               const ClientRecord& c) {
  using E = unexpected<std::string>;
  auto keys = oauth::parse_jwks(c.jwks);
  if (!keys) return E("the client has no usable keys");
  auto jws = oauth::parse_jws(assertion);
  if (!jws) return E("client_assertion is malformed");
  if (oauth::family(jws->header.alg) == oauth::AlgorithmFamily::hmac)
    return E("client_assertion must be signed with a private key");
  bool verified = false;
  for (auto& k : keys->candidates(jws->header.kid, jws->header.alg))
    if (oauth::default_verifier().verify(jws->header.alg, *k, jws->signing_input, jws->signature)) {
      verified = true;
      break;
    }
  if (!verified) return E("client_assertion signature is invalid");
  auto claims = parse_json(jws->payload, {16, 16 * 1024});
  if (!claims || !claims->is_object()) return E("client_assertion is malformed");
  auto& o = claims->as_object();
  auto str = [&](std::string_view k) -> std::string {
    auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  if (str("iss") != c.client_id || str("sub") != c.client_id)
    return E("client_assertion iss and sub must be the client_id");
  auto* aud = o.if_contains("aud");
  bool aud_ok = false;
  auto aud_match = [&](std::string_view a) { return a == opt_.issuer || a == endpoint("/token"); };
  if (aud && aud->is_string()) aud_ok = aud_match(aud->as_string());
  if (aud && aud->is_array())
    for (auto& a : aud->as_array()) aud_ok |= a.is_string() && aud_match(a.as_string());
  if (!aud_ok) return E("client_assertion aud must be this server");
  auto* expv = o.if_contains("exp");
  auto exp = expv ? oauth::numeric_date(*expv) : std::nullopt;
  if (!exp || *exp <= now() || *exp > now() + 3600) return E("client_assertion exp is missing, past or too far ahead");
  auto jti = str("jti");
  if (jti.empty()) return E("client_assertion needs a jti");
  // Replay: each assertion is accepted once while it is unexpired, across every replica sharing
  // the sign-in state (RFC 7523 §3 item 7). If that cannot be checked, it is refused (fail closed).
  auto first = login_state_->use_once("ca:" + c.client_id + ":" + jti, *exp, now());
  if (!first) {
    log::warn("authorization server: client assertion replay check failed: " + first.error().message);
    return E("client_assertion could not be checked for replay; retry shortly");
  }
  if (!*first) return E("client_assertion was already used");
  return {};
}

}  // namespace mcpgate::authserver
