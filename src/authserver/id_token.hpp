#pragma once
// The ID token an upstream OpenID Connect provider returns at its token endpoint, validated as
// OpenID Connect Core 1.0 §3.1.3.7 asks of a client before it believes who signed in. Nothing is
// read from a claim before the signature has been verified.
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "oauth/auth_error.hpp"
#include "oauth/jwk.hpp"

namespace mcpgate::authserver {

enum class IdTokenError {
  malformed,              // not a JWS, or its payload is not one JSON object
  unsupported_algorithm,  // "none", or an alg outside the provider's allow-list
  unknown_key,            // no key of the provider's set fits (kid, alg)
  keys_unavailable,       // the provider's key set could not be fetched
  bad_signature,          // a forged or altered token
  wrong_issuer,           // iss is not the configured provider (mix-up)
  wrong_audience,         // aud does not contain our client_id, or azp names another client
  wrong_nonce,            // not the nonce of this sign-in (replay of another sign-in's token)
  expired,                // exp passed (beyond the allowed skew), or missing
  issued_in_future,       // iat later than now + skew, or missing
  missing_user,           // the claim naming the user is absent or not a non-empty string
};

// A short fixed description for the error page and the audit record (never token content).
std::string_view describe(IdTokenError e);
// A stable machine name ("bad_signature") for audit records.
std::string_view name(IdTokenError e);

// The provider's verification keys for (kid, alg): the JwksCache of its jwks_uri, or a set in a test.
using IdTokenKeys = std::function<oauth::AuthResult<std::vector<std::shared_ptr<const oauth::Jwk>>>(
    const std::optional<std::string>& kid, oauth::Algorithm alg)>;

struct IdTokenCheck {
  std::string issuer;
  std::string client_id;
  std::string nonce;
  std::vector<oauth::Algorithm> algorithms;
  std::string user_claim = "sub";
  std::int64_t now = 0;
  std::int64_t skew = 60;
};

struct IdToken {
  boost::json::object claims;
  std::string user;  // the value of check.user_claim
};

[[nodiscard]] expected<IdToken, IdTokenError> validate_id_token(std::string_view token, const IdTokenCheck& check,
                                                                const IdTokenKeys& keys);

}  // namespace mcpgate::authserver
