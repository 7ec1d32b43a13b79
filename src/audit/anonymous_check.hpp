#pragma once
// Check group "anonymous": does the endpoint answer `initialize` or `tools/list` without a token,
// in either protocol era? The finding the registry-wide audits count.
#include "audit/audit_context.hpp"

namespace mcpgate::audit {

// Marks the report unreachable when not even the first request got an HTTP answer.
void check_anonymous(AuditContext& ctx);

}  // namespace mcpgate::audit
