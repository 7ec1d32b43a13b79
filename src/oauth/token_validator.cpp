#include "oauth/token_validator.hpp"

#include <algorithm>
#include <cctype>

#include "core/json.hpp"

namespace mcpgate::oauth {

bool is_access_token_type(std::string_view typ) {
  std::string t(typ);
  for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t == "at+jwt" || t == "application/at+jwt";
}

TokenValidator::TokenValidator(ValidatorConfig config, const Clock& clock, const SignatureVerifier& verifier)
    : config_(std::move(config)), clock_(clock), verifier_(verifier), cache_(config_.cache, clock) {
  if (config_.introspection && config_.introspection->policy.resource.empty())
    config_.introspection->policy.resource = config_.resource;
}

AuthResult<PrincipalPtr> TokenValidator::validate(const Secret& token) {
  auto t = token.reveal();
  if (t.empty()) return reject(AuthError::missing_token);
  if (t.size() > config_.jws_limits.max_token_bytes) return reject(AuthError::token_too_large);
  return validate(token, TokenCache::key_for(t));
}

AuthResult<PrincipalPtr> TokenValidator::validate(const Secret& token, const std::string& key) {
  auto t = token.reveal();
  if (t.empty()) return reject(AuthError::missing_token);
  if (t.size() > config_.jws_limits.max_token_bytes) return reject(AuthError::token_too_large);
  // Looked up again: a request for the same new token may have validated it meanwhile.
  if (auto hit = cache_.get(key)) return std::move(*hit);
  auto r = validate_uncached(t);
  if (r)
    cache_.put(key, *r);
  else
    cache_.put_negative(key, r.error());
  return r;
}

AuthResult<PrincipalPtr> TokenValidator::validate_uncached(std::string_view token) {
  // A JWS has exactly two dots; anything else is an opaque token for introspection, if any.
  if (std::count(token.begin(), token.end(), '.') != 2 && config_.introspection) return validate_opaque(token);
  auto jws = parse_jws(token, config_.jws_limits);
  if (!jws) return reject(jws.error());
  return validate_jwt(*jws);
}

AuthResult<PrincipalPtr> TokenValidator::validate_jwt(const Jws& jws) {
  auto payload = parse_json(jws.payload, JsonLimits{config_.max_claims_depth, config_.max_payload_bytes});
  if (!payload || !payload->is_object()) return reject(AuthError::malformed_token);
  const auto& claims = payload->get_object();

  // iss picks the key set; it is unverified here, and the signature check below is what binds it.
  auto* iss = claims.if_contains("iss");
  if (!iss || !iss->is_string()) return reject(AuthError::wrong_issuer);
  const IssuerConfig* issuer = nullptr;
  for (auto& i : config_.issuers)
    if (i.issuer == iss->get_string()) issuer = &i;
  if (!issuer) return reject(AuthError::wrong_issuer);

  if (std::find(issuer->algorithms.begin(), issuer->algorithms.end(), jws.header.alg) == issuer->algorithms.end())
    return reject(AuthError::unsupported_algorithm);
  // RFC 9068 §4 / RFC 8725 §3.11: explicit typing stops an ID token or another JWT from this
  // issuer being replayed as an access token.
  if (issuer->require_access_token_type && !(jws.header.typ && is_access_token_type(*jws.header.typ)))
    return reject(AuthError::wrong_type);

  std::vector<std::shared_ptr<const Jwk>> candidates;
  for (auto& k : issuer->static_keys)
    if ((!jws.header.kid || k->kid == jws.header.kid) && k->compatible_with(jws.header.alg)) candidates.push_back(k);
  if (candidates.empty()) {
    if (!issuer->keys) return reject(AuthError::unknown_key);
    auto found = issuer->keys->find(jws.header.kid, jws.header.alg);
    if (!found) return reject(found.error());
    candidates = std::move(*found);
  }
  bool verified = false;
  for (auto& k : candidates) {
    if (verifier_.verify(jws.header.alg, *k, jws.signing_input, jws.signature)) {
      verified = true;
      break;
    }
  }
  if (!verified) return reject(AuthError::bad_signature);

  ClaimPolicy policy{issuer->issuer, config_.resource, issuer->leeway};
  // The payload is not needed past this point: its claims become the principal's.
  auto p = validate_claims(std::move(payload->get_object()), policy, clock_.now());
  if (!p) return reject(p.error());
  return std::make_shared<const Principal>(std::move(*p));
}

AuthResult<PrincipalPtr> TokenValidator::validate_opaque(std::string_view token) {
  auto& ic = *config_.introspection;
  if (!ic.introspector) return reject(AuthError::introspection_failed);
  auto resp = ic.introspector->introspect(Secret(std::string(token)));
  if (!resp) return reject(resp.error());
  auto p = principal_from_introspection(*resp, ic.policy, clock_.now());
  if (!p) return reject(p.error());
  return std::make_shared<const Principal>(std::move(*p));
}

}  // namespace mcpgate::oauth
