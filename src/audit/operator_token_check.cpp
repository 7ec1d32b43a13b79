#include "audit/operator_token_check.hpp"

#include "audit/forged_tokens.hpp"
#include "audit/invalid_token_check.hpp"
#include "audit/list_reach.hpp"
#include "oauth/resource_discovery.hpp"

namespace mcpgate::audit {
namespace json = boost::json;

namespace {

constexpr const char* kSpecAudience = "RFC 8707 §2; MCP authorization, Token Audience Binding and Validation";
constexpr const char* kSpecScope = "MCP authorization, Scope Challenge Handling; RFC 6750 §3.1";

bool names(const json::value* aud, std::string_view resource) {
  if (!aud || resource.empty()) return false;
  if (aud->is_string()) return aud->get_string() == resource;
  if (aud->is_array())
    for (auto& a : aud->get_array())
      if (a.is_string() && a.get_string() == resource) return true;
  return false;
}

}  // namespace

void check_operator_token(AuditContext& ctx) {
  const char* ids[] = {"operator.accepted", "operator.scope_challenge", "operator.audience", "operator.tampered"};
  if (ctx.report.anonymous_access) {
    for (auto* id : ids) ctx.skip(id, "the endpoint answers without a token", kSpecAudience);
    return;
  }
  if (!ctx.token) {
    for (auto* id : ids) ctx.skip(id, "needs --token", kSpecAudience);
    return;
  }
  std::string bearer = "Bearer " + std::string(ctx.token->reveal());
  auto r = reach_tools_list(ctx, bearer);
  bool accepted = r && r->list_answered;
  if (!r) {
    ctx.add(ids[0], Verdict::warn, "no answer: " + r.error().message, kSpecAudience);
  } else if (accepted) {
    ctx.era = r->era;
    ctx.add(ids[0], Verdict::pass, "your token lists the tools", kSpecAudience);
  } else {
    ctx.add(ids[0], r->last.status == 403 ? Verdict::warn : Verdict::fail,
            "your token was refused for tools/list: HTTP " + std::to_string(r->last.status), kSpecAudience,
            "check the token's issuer, audience and scopes against the endpoint");
  }
  if (r && r->last.status == 403) {
    auto c = oauth::parse_bearer_challenge(r->last.www_authenticate);
    bool good = c && c->count("error") && c->at("error") == "insufficient_scope" && c->count("scope");
    ctx.add(ids[1], good ? Verdict::pass : Verdict::fail,
            good ? "403 insufficient_scope with scope=\"" + c->at("scope") + "\""
                 : "403 without an insufficient_scope challenge",
            kSpecScope, good ? "" : "answer 403 with Bearer error=\"insufficient_scope\", scope=\"…\"");
  } else {
    ctx.skip(ids[1], accepted ? "your token is enough for tools/list" : "no 403 to judge", kSpecScope);
  }

  auto claims = unverified_claims(ctx.token->reveal());
  if (!claims) {
    ctx.skip(ids[2], "an opaque token: its audience cannot be read", kSpecAudience);
    ctx.skip(ids[3], "an opaque token cannot be altered", kSpecAudience);
    return;
  }
  auto* aud = claims->if_contains("aud");
  if (names(aud, ctx.endpoint) || names(aud, ctx.prm_resource)) {
    ctx.skip(ids[2], "the token names this endpoint; a token for another audience cannot be tested without minting",
             kSpecAudience);
  } else if (accepted) {
    // The confused-deputy / token-redirect attack: a token issued for another resource works here.
    ctx.add(ids[2], Verdict::fail,
            aud ? "accepted a token whose aud does not name this endpoint" : "accepted a token without aud",
            kSpecAudience, "refuse tokens whose aud is not this endpoint's resource (" + ctx.endpoint + ")");
  } else {
    ctx.add(ids[2], Verdict::pass, "refused a token whose aud does not name this endpoint", kSpecAudience);
  }
  auto altered = with_altered_audience(ctx.token->reveal(), "https://audience.mcpgate-audit.invalid/mcp");
  McpPost p;
  p.url = ctx.endpoint;
  p.era = ctx.era.value_or(McpEra::legacy);
  p.method = p.era == McpEra::modern ? "tools/list" : "initialize";
  p.authorization = "Bearer " + *altered;
  judge_refusal(ctx, ids[3], "your token with aud altered, signature kept", ctx.probe.post(p),
                "RFC 7515 §5.2; MCP authorization, Token Validation", "verify the signature over the claims you use");
}

}  // namespace mcpgate::audit
