#pragma once
// Check group "challenge": the answer to a request without a token. 401 with
// `WWW-Authenticate: Bearer`, `resource_metadata` (how clients find the authorization server)
// and `scope` (what to ask for).
#include "audit/audit_context.hpp"

namespace mcpgate::audit {

void check_challenge(AuditContext& ctx);

}  // namespace mcpgate::audit
