#pragma once
// The tokens an attacker tries against a resource server, built without any key of the server's:
// a malformed string, an unsigned JWT (`alg: none`), an expired-looking JWT, and an HS256 JWT whose
// HMAC key is the server's own published public key (algorithm confusion, RFC 8725 §2.1). Each
// MUST be answered 401. Also the one test possible with the operator's token without minting: the
// same token with `aud` altered, signature kept (a server that does not verify signatures, or
// verifies them and then reads a different copy of the claims, accepts it).
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mcpgate::audit {

struct ForgedClaims {
  std::string issuer;    // the authorization server's issuer, when known
  std::string audience;  // the endpoint
  std::string scope;     // what the challenge or PRM names
  std::chrono::system_clock::time_point now;
};

std::string malformed_token();
std::string alg_none_token(const ForgedClaims& claims);
// RS256 header (with `kid` when the key set has one), `exp` an hour ago, a random signature.
std::string expired_token(const ForgedClaims& claims, const std::optional<std::string>& kid);
// HMAC-SHA256 keyed with the PEM (SubjectPublicKeyInfo) of the first RSA or EC key of `jwks`,
// which is what a library that takes "the key" for either family would verify it with.
Result<std::string> public_key_hs256_token(const ForgedClaims& claims, std::string_view jwks);
// The first key id of the key set, if any.
std::optional<std::string> first_kid(std::string_view jwks);

// The claims of a compact JWS, unverified; nullopt for an opaque token.
std::optional<boost::json::object> unverified_claims(std::string_view jwt);
// The same JWS with `aud` replaced and the signature kept; nullopt for an opaque token.
std::optional<std::string> with_altered_audience(std::string_view jwt, std::string_view audience);

}  // namespace mcpgate::audit
