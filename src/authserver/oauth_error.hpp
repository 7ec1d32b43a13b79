#pragma once
// The OAuth error codes this server answers with, and the one mapping from an error to its HTTP
// answer: the status, the JSON body (RFC 6749 §5.2) and the headers. Every endpoint that answers
// with an OAuth error in JSON goes through oauth_error_response(); the authorization endpoint,
// which answers by redirect (RFC 6749 §4.1.2.1), uses the same codes by name.
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "net/http_server.hpp"

namespace mcpgate::authserver {

enum class OAuthError {
  // RFC 6749 §5.2 (token endpoint) and §4.1.2.1 (authorization endpoint)
  invalid_request,
  invalid_client,
  invalid_grant,
  unauthorized_client,
  unsupported_grant_type,
  invalid_scope,
  unsupported_response_type,
  access_denied,
  server_error,
  temporarily_unavailable,
  // RFC 8707 §2
  invalid_target,
  // RFC 7591 §3.2.2
  invalid_client_metadata,
  invalid_redirect_uri,
  // OpenID Connect Core §3.1.2.6 (prompt=none, request objects)
  login_required,
  consent_required,
  request_not_supported,
  // Not an OAuth code: the registration endpoint when registration is disabled.
  not_found,
};

// The code as it appears in `error` (and `error=` of a redirect).
[[nodiscard]] std::string_view to_string(OAuthError error);

// An OAuth error with its description, as an endpoint fails a request.
struct OAuthFailure {
  OAuthError error = OAuthError::invalid_request;
  std::string description;
  // invalid_client after the client tried the Authorization header: the 401 carries a Basic
  // challenge (RFC 6749 §5.2).
  bool basic_challenge = false;
  // A status other than the error's own, for the two answers that differ on purpose: 429 for a
  // registration flood (RFC 6585 §4) and 503 for a revocation that could not be stored (RFC 7009
  // §2.2.1: the client then knows the token may still be valid and retries). 0: the error's own.
  unsigned status_override = 0;
};
template <class T>
using OAuthResult = expected<T, OAuthFailure>;

[[nodiscard]] inline unexpected<OAuthFailure> oauth_error(OAuthError error, std::string description) {
  return unexpected<OAuthFailure>(OAuthFailure{error, std::move(description), false, 0});
}

// The status an error answers with: 401 for invalid_client (RFC 6749 §5.2), 500 for
// server_error, 503 for temporarily_unavailable, 404 for not_found, 400 for the others.
[[nodiscard]] unsigned http_status(OAuthError error);
[[nodiscard]] unsigned http_status(const OAuthFailure& failure);

// The JSON answer: status, `{"error", "error_description"}`, `Cache-Control: no-store` and
// `Pragma: no-cache` (RFC 6749 §5.1), `WWW-Authenticate: Basic` for a basic_challenge and
// `Retry-After: 1` for temporarily_unavailable (RFC 9110 §10.2.3).
[[nodiscard]] net::Response oauth_error_response(const net::Request& req, const OAuthFailure& failure);

}  // namespace mcpgate::authserver
