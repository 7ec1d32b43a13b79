#pragma once
// Every reason a request can fail authorization, as one enum (house rule 3). The descriptions are
// fixed strings: they go into `error_description` and logs, so they never carry token content.
#include <string_view>

#include "core/result.hpp"

namespace mcpgate::oauth {

enum class AuthError {
  missing_token,            // no Authorization header, or a scheme other than Bearer (RFC 6750 §3.1)
  duplicate_authorization,  // more than one Authorization header
  malformed_token,          // not token68, not JWS compact, bad base64url, bad JSON
  token_too_large,
  unsupported_algorithm,  // alg not on the issuer's allow-list, or "none"
  unknown_key,            // no key with that kid (after one rate-limited JWKS refetch)
  bad_signature,
  wrong_issuer,
  wrong_audience,
  expired,
  not_yet_valid,
  missing_exp,
  wrong_type,               // typ is not at+jwt where the issuer requires it (RFC 9068 §2.1)
  unknown_critical_header,  // crit names an extension we do not implement (RFC 7515 §4.1.11)
  inactive,                 // introspection said active:false (RFC 7662 §2.2)
  introspection_failed,     // the introspection endpoint could not be asked
  keys_unavailable,         // no key set could ever be fetched for the issuer
  revocations_unknown,      // the embedded server's revoked set is too stale to trust (Redis and store lost)
  insufficient_scope,       // valid token, not enough scope (RFC 6750 §3.1): the only 403
};
// How many reasons there are (insufficient_scope is the last): the size of a table by reason.
inline constexpr int kAuthErrorCount = static_cast<int>(AuthError::insufficient_scope) + 1;

// A short, fixed, human description. Never contains token content.
std::string_view describe(AuthError e);
// A stable machine name ("expired", "bad_signature") for metrics and audit records.
std::string_view name(AuthError e);

template <class T>
using AuthResult = expected<T, AuthError>;
inline unexpected<AuthError> reject(AuthError e) {
  return unexpected<AuthError>(e);
}

}  // namespace mcpgate::oauth
