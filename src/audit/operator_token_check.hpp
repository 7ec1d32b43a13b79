#pragma once
// Check group "operator": with the operator's own token (--token), what can be learned without
// minting one: is it accepted for tools/list (or refused with a proper scope challenge), does the
// endpoint accept it although its `aud` names another resource (RFC 8707), and does it refuse the
// same token with `aud` altered and the signature kept. Without --token, every check is skipped.
#include "audit/audit_context.hpp"

namespace mcpgate::audit {

void check_operator_token(AuditContext& ctx);

}  // namespace mcpgate::audit
