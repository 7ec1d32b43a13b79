// The access tokens this server signs (RFC 9068) and verifies when it is shown them again.
#include "authserver/server_impl.hpp"
#include "core/json.hpp"
#include "oauth/access_token.hpp"
#include "oauth/jws.hpp"
#include "oauth/signature.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Exchange;
using net::Request;
using net::Response;

Result<Minted> AuthorizationServer::Impl::mint_access_token(std::string_view subject, std::string_view client_id,
                                                            std::string_view resource, std::string_view scope,
                                                            const json::object& extra) {
  auto key = keys_.current();
  if (!key) return fail("no signing key");
  Seconds iat = now();
  Minted m{{}, random_.token(18), iat + opt_.access_token_ttl.count()};
  json::object claims{{"iss", opt_.issuer},  {"sub", subject}, {"aud", resource}, {"client_id", client_id},
                      {"exp", m.expires_at}, {"iat", iat},     {"jti", m.jti}};
  if (!scope.empty()) claims["scope"] = scope;
  for (auto& kv : extra) claims[kv.key()] = kv.value();
  auto t = oauth::mint_token(key->key, oauth::MintRequest{key->alg, key->record.kid, "at+jwt", std::move(claims)});
  if (!t) return fail(t.error().message);
  m.token = std::move(*t);
  return m;
}

// Like mint_access_token, with a jti chosen before the store transaction recorded it.
Result<Minted> AuthorizationServer::Impl::mint_with_jti(std::string_view sub, std::string_view client_id,
                                                        std::string_view resource, std::string_view scope,
                                                        const std::string& jti, json::object extra) {
  extra["jti"] = jti;
  auto m = mint_access_token(sub, client_id, resource, scope, extra);
  if (m) m->jti = jti;
  return m;
}

json::object AuthorizationServer::Impl::token_body(const Minted& at, std::string_view scope,
                                                   const std::string& refresh) const {
  json::object body{
      {"access_token", at.token}, {"token_type", "Bearer"}, {"expires_in", opt_.access_token_ttl.count()}};
  if (!scope.empty()) body["scope"] = scope;
  if (!refresh.empty()) body["refresh_token"] = refresh;
  return body;
}

// An access token this server issued, verified (signature, issuer, expiry, revocation).
expected<json::object, std::string> AuthorizationServer::Impl::verify_own_token(std::string_view token) {
  using E = unexpected<std::string>;
  auto jws = oauth::parse_jws(token);
  if (!jws) return E("not a JWT");
  if (!jws->header.typ || *jws->header.typ != "at+jwt" || !jws->header.kid) return E("not an access token");
  auto key = keys_.find(*jws->header.kid);
  if (!key || !key->verifier || jws->header.alg != key->alg) return E("unknown key");
  if (!oauth::default_verifier().verify(jws->header.alg, *key->verifier, jws->signing_input, jws->signature))
    return E("bad signature");
  auto claims = parse_json(jws->payload, {16, 16 * 1024});
  if (!claims || !claims->is_object()) return E("malformed");
  auto& o = claims->as_object();
  auto* iss = o.if_contains("iss");
  if (!iss || !iss->is_string() || iss->as_string() != opt_.issuer) return E("wrong issuer");
  auto* expv = o.if_contains("exp");
  auto exp = expv ? oauth::numeric_date(*expv) : std::nullopt;
  if (!exp || *exp <= now()) return E("expired");
  auto* jti = o.if_contains("jti");
  if (!jti || !jti->is_string() || is_revoked(jti->as_string())) return E("revoked");
  return o;
}

}  // namespace mcpgate::authserver
