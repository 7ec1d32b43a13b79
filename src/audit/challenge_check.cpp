#include "audit/challenge_check.hpp"

#include "net/address.hpp"
#include "oauth/resource_discovery.hpp"

namespace mcpgate::audit {

void check_challenge(AuditContext& ctx) {
  const char* ids[] = {"challenge.status", "challenge.bearer", "challenge.resource_metadata", "challenge.scope"};
  if (!ctx.refusal) {
    for (auto* id : ids) ctx.skip(id, "the endpoint answers without a token", kSpecErrorHandling);
    return;
  }
  auto& r = *ctx.refusal;
  if (r.status == 401)
    ctx.add(ids[0], Verdict::pass, "401 without a token", kSpecErrorHandling);
  else
    ctx.add(ids[0], Verdict::fail, "HTTP " + std::to_string(r.status) + " without a token, not 401", kSpecErrorHandling,
            "answer 401 with a Bearer challenge when the token is missing");
  auto c = oauth::parse_bearer_challenge(r.www_authenticate);
  if (!c) {
    ctx.add(ids[1], Verdict::fail, r.www_authenticate.empty() ? "no WWW-Authenticate header" : "no Bearer challenge",
            "RFC 6750 §3; RFC 9728 §5.1", "send WWW-Authenticate: Bearer resource_metadata=\"…\", scope=\"…\"");
    ctx.skip(ids[2], "no Bearer challenge", "RFC 9728 §5.1");
    ctx.skip(ids[3], "no Bearer challenge", "MCP authorization, Scope Selection Strategy");
    return;
  }
  ctx.add(ids[1], Verdict::pass, "WWW-Authenticate: Bearer", "RFC 6750 §3");
  auto rm = c->find("resource_metadata");
  const char* rm_spec = "RFC 9728 §5.1; MCP authorization, Protected Resource Metadata Discovery";
  if (rm == c->end()) {
    // 2025-11-25 lets clients fall back to the well-known URI; 2025-06-18 clients need the header.
    ctx.add(ids[2], Verdict::warn, "the challenge has no resource_metadata", rm_spec,
            "add resource_metadata=\"<PRM URL>\" to the challenge (clients of 2025-06-18 rely on it)");
  } else if (!net::parse_absolute_url(rm->second) ||
             !(rm->second.starts_with("https://") || rm->second.starts_with("http://"))) {
    ctx.add(ids[2], Verdict::fail, "resource_metadata is not an absolute http(s) URL", rm_spec,
            "advertise the absolute URL of the Protected Resource Metadata document");
  } else {
    ctx.resource_metadata_url = rm->second;
    ctx.add(ids[2], Verdict::pass, "resource_metadata=" + rm->second, rm_spec);
  }
  auto scope = c->find("scope");
  if (scope == c->end() || scope->second.empty())
    ctx.add(ids[3], Verdict::warn, "the challenge has no scope", "MCP authorization, Scope Selection Strategy",
            "add scope=\"…\" with the scopes a client needs to start");
  else
    ctx.add(ids[3], Verdict::pass, "scope=\"" + scope->second + "\"", "MCP authorization, Scope Selection Strategy");
}

}  // namespace mcpgate::audit
