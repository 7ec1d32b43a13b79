#include "audit/invalid_token_check.hpp"

#include <cctype>

#include "audit/forged_tokens.hpp"

namespace mcpgate::audit {

namespace {

// The request the forged tokens ride on: the handshake of the era that answered, else initialize
// (a resource server validates the token before it reads the body).
McpPost request_with(const AuditContext& ctx, std::string authorization, std::string url = {}) {
  McpPost p;
  p.url = url.empty() ? ctx.endpoint : std::move(url);
  p.era = ctx.era.value_or(McpEra::legacy);
  p.method = p.era == McpEra::modern ? "tools/list" : "initialize";
  if (!authorization.empty()) p.authorization = std::move(authorization);
  return p;
}

}  // namespace

std::string query_encode(std::string_view value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

void judge_refusal(AuditContext& ctx, const std::string& id, const std::string& what,
                   const Result<oauth::HttpFetchResponse>& r, const std::string& spec, const std::string& fix) {
  if (!r) {
    ctx.add(id, Verdict::warn, what + ": no answer (" + r.error().message + ")", spec, fix);
    return;
  }
  ctx.saw(*r);
  auto status = std::to_string(r->status);
  if (r->status == 401)
    ctx.add(id, Verdict::pass, what + ": 401", spec);
  else if (r->status / 100 == 2)
    ctx.add(id, Verdict::fail, what + ": accepted (HTTP " + status + ")", spec, fix);
  else
    ctx.add(id, Verdict::warn, what + ": HTTP " + status + ", not 401", spec,
            "answer 401 with error=\"invalid_token\"");
}

void check_invalid_tokens(AuditContext& ctx) {
  const char* ids[] = {"token.malformed", "token.alg_none", "token.expired", "token.hs256_public_key",
                       "token.query_string"};
  if (ctx.report.anonymous_access) {
    for (auto* id : ids) ctx.skip(id, "the endpoint answers without a token", kSpecErrorHandling);
    return;
  }
  ForgedClaims claims;
  claims.issuer = ctx.as ? ctx.as->issuer : (ctx.authorization_servers.empty() ? "" : ctx.authorization_servers[0]);
  claims.audience = ctx.prm_resource.empty() ? ctx.endpoint : ctx.prm_resource;
  for (auto& s : ctx.scopes_supported) claims.scope += (claims.scope.empty() ? "" : " ") + s;
  claims.now = ctx.clock.now();

  judge_refusal(ctx, ids[0], "a malformed token", ctx.probe.post(request_with(ctx, "Bearer " + malformed_token())),
                kSpecErrorHandling, "validate the token before anything else; refuse what does not parse");
  judge_refusal(ctx, ids[1], "an unsigned token (alg none)",
                ctx.probe.post(request_with(ctx, "Bearer " + alg_none_token(claims))), "RFC 8725 §3.1; RFC 7519 §6",
                "refuse alg none: keep an allow-list of signature algorithms");
  auto kid = first_kid(ctx.jwks);
  judge_refusal(
      ctx, ids[2], "an expired token", ctx.probe.post(request_with(ctx, "Bearer " + expired_token(claims, kid))),
      "RFC 7519 §4.1.4; MCP authorization, Token Validation", "verify the signature and refuse tokens past exp");
  if (ctx.jwks.empty()) {
    ctx.skip(ids[3], "the authorization server publishes no key set", "RFC 8725 §2.1, §3.1");
  } else if (auto t = public_key_hs256_token(claims, ctx.jwks); !t) {
    ctx.skip(ids[3], t.error().message, "RFC 8725 §2.1, §3.1");
  } else {
    judge_refusal(ctx, ids[3], "HS256 keyed with the published public key",
                  ctx.probe.post(request_with(ctx, "Bearer " + *t)), "RFC 8725 §2.1, §3.1 (algorithm confusion)",
                  "bind each key to its algorithm; never verify HMAC with a public key");
  }
  // Only a token that would otherwise be accepted proves that the query string is ignored.
  if (!ctx.token) {
    ctx.skip(ids[4], "needs --token", "RFC 6750 §2.3; MCP authorization, Token Requirements");
  } else {
    std::string url = ctx.endpoint + (ctx.endpoint.find('?') == std::string::npos ? "?" : "&") +
                      "access_token=" + query_encode(ctx.token->reveal());
    judge_refusal(ctx, ids[4], "your token in the query string", ctx.probe.post(request_with(ctx, "", url)),
                  "RFC 6750 §2.3; MCP authorization, Token Requirements (never in the query)",
                  "read the token from the Authorization header only");
  }
}

}  // namespace mcpgate::audit
