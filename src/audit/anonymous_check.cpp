#include "audit/anonymous_check.hpp"

#include "audit/list_reach.hpp"

namespace mcpgate::audit {

void check_anonymous(AuditContext& ctx) {
  auto r = reach_tools_list(ctx, std::nullopt);
  if (!r) {
    ctx.report.reachable = false;
    ctx.report.error = r.error().message;
    return;
  }
  const char* fix = "require a valid access token on every request to the MCP endpoint (401 without one)";
  std::string era = r->era == McpEra::modern ? "2026-07-28 (stateless)" : "2025-11-25 (initialize)";
  if (r->list_answered) {
    ctx.report.anonymous_access = true;
    ctx.era = r->era;
    ctx.add("anonymous.tools_list", Verdict::fail, "tools/list answered without a token, era " + era,
            kSpecTokenRequirements, fix);
  } else {
    ctx.add("anonymous.tools_list", Verdict::pass, "tools/list without a token: HTTP " + std::to_string(r->last.status),
            kSpecTokenRequirements);
  }
  if (r->initialize_answered) {
    ctx.report.anonymous_access = true;
    ctx.era = McpEra::legacy;
    ctx.add("anonymous.initialize", Verdict::fail, "initialize answered without a token", kSpecTokenRequirements, fix);
  } else if (r->era == McpEra::modern) {
    ctx.skip("anonymous.initialize", "the stateless era answered; initialize was not tried", kSpecTokenRequirements);
  } else {
    ctx.add("anonymous.initialize", Verdict::pass, "initialize without a token: HTTP " + std::to_string(r->last.status),
            kSpecTokenRequirements);
  }
  if (!ctx.report.anonymous_access) ctx.refusal = r->last;
}

}  // namespace mcpgate::audit
