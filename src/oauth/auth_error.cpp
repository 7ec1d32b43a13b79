#include "oauth/auth_error.hpp"

namespace mcpgate::oauth {

std::string_view describe(AuthError e) {
  switch (e) {
    case AuthError::missing_token:
      return "no bearer token in the Authorization header";
    case AuthError::duplicate_authorization:
      return "more than one Authorization header";
    case AuthError::malformed_token:
      return "the token is malformed";
    case AuthError::token_too_large:
      return "the token is too large";
    case AuthError::unsupported_algorithm:
      return "the token's signature algorithm is not accepted";
    case AuthError::unknown_key:
      return "the token was signed with an unknown key";
    case AuthError::bad_signature:
      return "the token's signature is invalid";
    case AuthError::wrong_issuer:
      return "the token's issuer is not trusted";
    case AuthError::wrong_audience:
      return "the token was not issued for this resource";
    case AuthError::expired:
      return "the token has expired";
    case AuthError::not_yet_valid:
      return "the token is not yet valid";
    case AuthError::missing_exp:
      return "the token has no expiry";
    case AuthError::wrong_type:
      return "the token is not an access token";
    case AuthError::unknown_critical_header:
      return "the token uses an unsupported critical header";
    case AuthError::inactive:
      return "the token is not active";
    case AuthError::introspection_failed:
      return "the token could not be introspected";
    case AuthError::keys_unavailable:
      return "the issuer's keys are unavailable";
    case AuthError::revocations_unknown:
      return "whether the token was revoked cannot be checked now";
    case AuthError::insufficient_scope:
      return "the token lacks a scope this request needs";
  }
  return "the token is invalid";
}

std::string_view name(AuthError e) {
  switch (e) {
    case AuthError::missing_token:
      return "missing_token";
    case AuthError::duplicate_authorization:
      return "duplicate_authorization";
    case AuthError::malformed_token:
      return "malformed_token";
    case AuthError::token_too_large:
      return "token_too_large";
    case AuthError::unsupported_algorithm:
      return "unsupported_algorithm";
    case AuthError::unknown_key:
      return "unknown_key";
    case AuthError::bad_signature:
      return "bad_signature";
    case AuthError::wrong_issuer:
      return "wrong_issuer";
    case AuthError::wrong_audience:
      return "wrong_audience";
    case AuthError::expired:
      return "expired";
    case AuthError::not_yet_valid:
      return "not_yet_valid";
    case AuthError::missing_exp:
      return "missing_exp";
    case AuthError::wrong_type:
      return "wrong_type";
    case AuthError::unknown_critical_header:
      return "unknown_critical_header";
    case AuthError::inactive:
      return "inactive";
    case AuthError::introspection_failed:
      return "introspection_failed";
    case AuthError::keys_unavailable:
      return "keys_unavailable";
    case AuthError::revocations_unknown:
      return "revocations_unknown";
    case AuthError::insufficient_scope:
      return "insufficient_scope";
  }
  return "invalid_token";
}

}  // namespace mcpgate::oauth
