#pragma once
// The token validation chain for one protected resource: cache → JWS parse → issuer → alg
// allow-list → typ → key → signature → claims (or, for opaque tokens, RFC 7662 introspection).
// Thread-safe: one instance serves every request thread of an endpoint.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/secret.hpp"
#include "oauth/access_token.hpp"
#include "oauth/algorithm.hpp"
#include "oauth/auth_error.hpp"
#include "oauth/introspection.hpp"
#include "oauth/jwks_cache.hpp"
#include "oauth/jws.hpp"
#include "oauth/signature.hpp"
#include "oauth/token_cache.hpp"

namespace mcpgate::oauth {

struct IssuerConfig {
  std::string issuer;  // compared exactly with iss
  std::vector<Algorithm> algorithms{Algorithm::ES256, Algorithm::RS256};
  std::shared_ptr<JwksCache> keys;                      // may be null when only static keys
  std::vector<std::shared_ptr<const Jwk>> static_keys;  // e.g. symmetric_key() for HS256
  bool require_access_token_type = false;               // typ at+jwt (RFC 9068 §2.1)
  std::chrono::seconds leeway{30};
};

struct IntrospectionConfig {
  std::shared_ptr<Introspector> introspector;
  IntrospectionPolicy policy;  // policy.resource is filled from ValidatorConfig::resource if empty
};

struct ValidatorConfig {
  std::string resource;  // this endpoint's resource identifier (the PRM `resource`)
  std::vector<IssuerConfig> issuers;
  // Used for tokens that are not JWS compact serializations. Without it they are malformed_token.
  std::optional<IntrospectionConfig> introspection;
  JwsLimits jws_limits;
  std::size_t max_payload_bytes = 8 * 1024;
  std::size_t max_claims_depth = 16;
  TokenCacheOptions cache;
};

class TokenValidator {
 public:
  TokenValidator(ValidatorConfig config, const Clock& clock, const SignatureVerifier& verifier = default_verifier());

  [[nodiscard]] AuthResult<PrincipalPtr> validate(const Secret& token);
  // The same, for a caller that already has the token's cache key (TokenCache::key_for): the
  // token is not hashed a second time.
  [[nodiscard]] AuthResult<PrincipalPtr> validate(const Secret& token, const std::string& key);

  const ValidatorConfig& config() const { return config_; }
  TokenCache& cache() { return cache_; }

 private:
  [[nodiscard]] AuthResult<PrincipalPtr> validate_uncached(std::string_view token);
  [[nodiscard]] AuthResult<PrincipalPtr> validate_jwt(const Jws& jws);
  [[nodiscard]] AuthResult<PrincipalPtr> validate_opaque(std::string_view token);

  ValidatorConfig config_;
  const Clock& clock_;
  const SignatureVerifier& verifier_;
  TokenCache cache_;
};

// RFC 9068 §2.1 / RFC 7515 §4.1.9: "at+jwt" or "application/at+jwt", case-insensitively.
bool is_access_token_type(std::string_view typ);

}  // namespace mcpgate::oauth
