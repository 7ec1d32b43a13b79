#pragma once
#include <memory>

#include "oauth/token_validator.hpp"
#include "test_keys.hpp"

namespace mcpgate::oauth::testing {

// A validator for kResource trusting kIssuer (ES256/384, RS256, PS256, EdDSA, HS256 with a
// configured secret under kid "hs") and kStrictIssuer (ES256, typ at+jwt required), both over one
// fake JWKS source.
struct Harness {
  FakeClock clock;
  std::shared_ptr<FakeJwksState> jwks = std::make_shared<FakeJwksState>();
  std::shared_ptr<JwksCache> keys;
  CountingVerifier verifier;
  std::unique_ptr<TokenValidator> validator;

  explicit Harness(TokenCacheOptions cache = {}, std::optional<IntrospectionConfig> introspection = std::nullopt) {
    jwks->set(TestKeys::get().jwks());
    keys = std::make_shared<JwksCache>(std::make_unique<FakeJwksSource>(jwks), JwksCacheOptions{}, clock);
    ValidatorConfig c;
    c.resource = kResource;
    IssuerConfig main;
    main.issuer = kIssuer;
    main.algorithms = {Algorithm::ES256, Algorithm::ES384, Algorithm::RS256,
                       Algorithm::PS256, Algorithm::EdDSA, Algorithm::HS256};
    main.keys = keys;
    main.static_keys.push_back(std::make_shared<const Jwk>(symmetric_key(Secret(kHmacSecret), "hs")));
    IssuerConfig strict;
    strict.issuer = kStrictIssuer;
    strict.algorithms = {Algorithm::ES256};
    strict.keys = keys;
    strict.require_access_token_type = true;
    c.issuers = {main, strict};
    c.cache = cache;
    c.introspection = std::move(introspection);
    validator = std::make_unique<TokenValidator>(std::move(c), clock, verifier);
  }

  AuthResult<PrincipalPtr> validate(std::string token) { return validator->validate(Secret(std::move(token))); }
};

inline boost::json::object with(boost::json::object o, std::string_view k, boost::json::value v) {
  o[k] = std::move(v);
  return o;
}
inline boost::json::object without(boost::json::object o, std::string_view k) {
  o.erase(k);
  return o;
}

}  // namespace mcpgate::oauth::testing
