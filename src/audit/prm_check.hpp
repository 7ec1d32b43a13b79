#pragma once
// Check group "prm": Protected Resource Metadata (RFC 9728), where the endpoint tells clients
// which authorization servers issue its tokens. Reachable at the advertised URL and at the
// path-suffixed well-known URL; `resource` identical to the endpoint; `authorization_servers`
// present; `bearer_methods_supported` limited to the header.
#include "audit/audit_context.hpp"

namespace mcpgate::audit {

void check_prm(AuditContext& ctx);

}  // namespace mcpgate::audit
