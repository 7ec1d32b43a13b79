#include "audit/list_reach.hpp"

namespace mcpgate::audit {

Result<ListReach> reach_tools_list(AuditContext& ctx, const std::optional<std::string>& authorization,
                                   const std::optional<std::string>& origin, const std::string& url) {
  ListReach out;
  McpPost p;
  p.url = url.empty() ? ctx.endpoint : url;
  p.authorization = authorization;
  p.origin = origin;
  p.era = McpEra::modern;
  p.method = "tools/list";
  auto modern = ctx.probe.post(p);
  if (!modern) return unexpected(modern.error());
  ctx.saw(*modern);
  out.last = *modern;
  if (answered_with_result(*modern)) {
    out.list_answered = true;
    out.era = McpEra::modern;
    return out;
  }
  if (modern->status == 401 || modern->status == 403) return out;

  p.era = McpEra::legacy;
  p.method = "initialize";
  auto init = ctx.probe.post(p);
  if (!init) return unexpected(init.error());
  out.last = *init;
  if (!answered_with_result(*init)) return out;
  out.initialize_answered = true;
  out.era = McpEra::legacy;
  p.session_id = std::string(init->header("mcp-session-id"));
  p.method = "notifications/initialized";
  p.notification = true;
  if (auto n = ctx.probe.post(p); !n) return unexpected(n.error());
  p.method = "tools/list";
  p.notification = false;
  auto list = ctx.probe.post(p);
  if (!list) return unexpected(list.error());
  out.last = *list;
  out.list_answered = answered_with_result(*list);
  return out;
}

}  // namespace mcpgate::audit
