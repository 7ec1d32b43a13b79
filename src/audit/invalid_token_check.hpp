#pragma once
// Check group "token": what the endpoint answers to tokens it must refuse (malformed, unsigned,
// expired-looking, HS256 keyed with its own public key) and to a token in the query string.
// Every one MUST be answered 401 (MCP authorization, Error Handling); a 2xx means the endpoint
// can be entered with a token anyone can make.
#include "audit/audit_context.hpp"

namespace mcpgate::audit {

void check_invalid_tokens(AuditContext& ctx);

// The verdict on a request that carried a token the endpoint must refuse: 401 passes, a 2xx fails
// (the token was accepted), anything else warns (refused, but not the way a client expects).
void judge_refusal(AuditContext& ctx, const std::string& id, const std::string& what,
                   const Result<oauth::HttpFetchResponse>& r, const std::string& spec, const std::string& fix);

// `value` percent-encoded for a query string (RFC 3986 unreserved characters kept).
std::string query_encode(std::string_view value);

}  // namespace mcpgate::audit
