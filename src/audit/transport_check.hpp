#pragma once
// Check group "transport": DNS rebinding (a foreign Origin MUST get 403), TLS (https, certificate
// verified, TLS 1.2 or newer), HSTS and CORS.
#include "audit/audit_context.hpp"

namespace mcpgate::audit {

inline constexpr std::string_view kForeignOrigin = "http://evil.example";

void check_transport(AuditContext& ctx);

}  // namespace mcpgate::audit
