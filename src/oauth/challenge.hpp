#pragma once
// The one place an AuthError becomes an HTTP answer: status and WWW-Authenticate (RFC 6750 §3,
// RFC 9728 §5.1, MCP authorization "Error Handling" and "Scope Challenge Handling").
#include <string>
#include <string_view>
#include <vector>

#include "oauth/auth_error.hpp"

namespace mcpgate::oauth {

struct ChallengeContext {
  std::string resource_metadata;  // absolute URL of this resource's PRM document
  // 401: the scopes a client should ask for (the endpoint's baseline);
  // 403: every scope the refused operation needs (plus the baseline, for clients that replace
  //      rather than add scopes).
  std::vector<std::string> scopes;
};

struct Challenge {
  unsigned status = 401;
  std::string www_authenticate;  // empty: send no WWW-Authenticate header
};

//   missing_token              → 401 Bearer resource_metadata="…", scope="…"   (no error, §3.1)
//   duplicate_authorization    → 400 Bearer error="invalid_request", …
//   insufficient_scope         → 403 Bearer error="insufficient_scope", scope="…", resource_metadata="…"
//   keys_unavailable,
//   introspection_failed       → 503, no challenge (our fault, not the token's)
//   anything else              → 401 Bearer error="invalid_token", error_description="…", …
Challenge challenge_for(AuthError error, const ChallengeContext& context);

// An auth-param quoted-string (RFC 9110 §11.2): `"` and `\` escaped, bytes outside %x20-7E
// dropped, so a value can never split the header.
std::string quote_auth_param(std::string_view value);

}  // namespace mcpgate::oauth
