#include "audit/transport_check.hpp"

#include "net/address.hpp"

namespace mcpgate::audit {

void check_transport(AuditContext& ctx) {
  const char* origin_spec = "MCP transports, Security Warning (Origin MUST be validated; invalid → 403)";
  McpPost p;
  p.url = ctx.endpoint;
  p.era = ctx.era.value_or(McpEra::legacy);
  p.method = p.era == McpEra::modern ? "tools/list" : "initialize";
  p.origin = std::string(kForeignOrigin);
  if (ctx.token) p.authorization = "Bearer " + std::string(ctx.token->reveal());
  auto r = ctx.probe.post(p);
  if (!r) {
    ctx.add("transport.origin", Verdict::warn, "no answer: " + r.error().message, origin_spec);
  } else {
    ctx.saw(*r);
    bool open = ctx.report.anonymous_access || ctx.token.has_value();
    if (r->status == 403)
      ctx.add("transport.origin", Verdict::pass, "Origin: http://evil.example refused with 403", origin_spec);
    else if (r->status / 100 == 2)
      ctx.add("transport.origin", Verdict::fail,
              "Origin: http://evil.example accepted (HTTP " + std::to_string(r->status) + ")", origin_spec,
              "refuse requests whose Origin is not yours with 403 (DNS rebinding)");
    else if (r->status == 401 && !open)
      ctx.add("transport.origin", Verdict::warn,
              "refused with 401 (for the missing token, not the Origin); run with --token to tell", origin_spec,
              "check Origin before authentication and answer 403");
    else
      ctx.add("transport.origin", Verdict::warn,
              "Origin: http://evil.example got HTTP " + std::to_string(r->status) + ", not 403", origin_spec,
              "answer 403 to a foreign Origin");
    auto acao = r->header("access-control-allow-origin");
    auto creds = r->header("access-control-allow-credentials");
    const char* cors_spec = "Fetch standard, CORS protocol; MCP security best practices";
    if (acao == kForeignOrigin && creds == "true")
      ctx.add("transport.cors", Verdict::fail, "any origin is reflected with credentials allowed", cors_spec,
              "allow-list the origins of your own web clients");
    else if (acao == kForeignOrigin || acao == "*")
      ctx.add("transport.cors", Verdict::warn, "Access-Control-Allow-Origin admits any origin", cors_spec,
              "allow-list the origins of your own web clients");
    else
      ctx.add("transport.cors", Verdict::pass,
              acao.empty() ? "no CORS grant to a foreign origin" : "foreign origin not admitted", cors_spec);
  }

  const char* tls_spec = "MCP authorization, Communication Security (HTTPS, TLS 1.2+)";
  bool https = ctx.endpoint.starts_with("https://");
  if (https) {
    // The client verifies the certificate chain and host name and refuses anything older than TLS
    // 1.2 (net/tls_client.cpp): having an answer at all proves both.
    ctx.add("transport.tls", Verdict::pass, "certificate verified, TLS 1.2 or newer", tls_spec);
    auto hsts = ctx.first_answer ? ctx.first_answer->header("strict-transport-security") : std::string_view();
    if (hsts.empty())
      ctx.add("transport.hsts", Verdict::warn, "no Strict-Transport-Security header", "RFC 6797 §7.1",
              "send Strict-Transport-Security: max-age=31536000");
    else
      ctx.add("transport.hsts", Verdict::pass, std::string("Strict-Transport-Security: ") + std::string(hsts),
              "RFC 6797 §7.1");
  } else if (net::is_loopback_url(ctx.endpoint)) {
    // Documented: a local deployment on loopback is the one place plain http is expected.
    ctx.add("transport.tls", Verdict::warn, "plain http on loopback", tls_spec, "use https beyond this machine");
    ctx.skip("transport.hsts", "not https", "RFC 6797 §7.1");
  } else {
    ctx.add("transport.tls", Verdict::fail, "plain http to a remote host: tokens cross the network in clear", tls_spec,
            "serve the endpoint over https");
    ctx.skip("transport.hsts", "not https", "RFC 6797 §7.1");
  }
}

}  // namespace mcpgate::audit
