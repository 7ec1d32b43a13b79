#pragma once
// Check group "as": the metadata of the first authorization server the PRM names (RFC 8414 or
// OpenID Connect Discovery): issuer identity, PKCE S256, the code flow only, https endpoints,
// client registration (client ID metadata documents or dynamic registration) and RFC 9207.
// Fetches the key set (jwks_uri) for the forged-token checks.
#include "audit/audit_context.hpp"

namespace mcpgate::audit {

void check_as_metadata(AuditContext& ctx);

}  // namespace mcpgate::audit
