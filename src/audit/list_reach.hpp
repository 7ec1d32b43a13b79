#pragma once
// Reaching `tools/list` the way a client of either era would: first 2026-07-28 (stateless, with
// MCP-Protocol-Version, Mcp-Method and `_meta`), then 2025-11-25 (`initialize`, the session id,
// `notifications/initialized`, `tools/list`). A 401 or 403 ends it: the other era would be
// refused the same way, and each request counts against the budget.
#include <optional>
#include <string>

#include "audit/audit_context.hpp"

namespace mcpgate::audit {

struct ListReach {
  bool initialize_answered = false;
  bool list_answered = false;
  std::optional<McpEra> era;      // the era that answered tools/list (or initialize)
  oauth::HttpFetchResponse last;  // the last answer: the refusal, or the list
};

// An Error only when the endpoint could not be reached at all (connection, deadline, budget).
Result<ListReach> reach_tools_list(AuditContext& ctx, const std::optional<std::string>& authorization,
                                   const std::optional<std::string>& origin = std::nullopt,
                                   const std::string& url = {});

}  // namespace mcpgate::audit
