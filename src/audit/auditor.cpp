#include "audit/auditor.hpp"

#include "audit/anonymous_check.hpp"
#include "audit/as_metadata_check.hpp"
#include "audit/challenge_check.hpp"
#include "audit/invalid_token_check.hpp"
#include "audit/operator_token_check.hpp"
#include "audit/prm_check.hpp"
#include "audit/transport_check.hpp"
#include "net/address.hpp"

namespace mcpgate::audit {

EndpointReport audit_endpoint(const std::string& url, oauth::HttpFetcher& fetcher, const AuditOptions& options,
                              const Clock& clock) {
  EndpointReport report;
  report.url = url;
  report.request_budget = options.request_budget;
  auto parsed = net::parse_absolute_url(url);
  if (!parsed || !(url.starts_with("http://") || url.starts_with("https://"))) {
    report.reachable = false;
    report.error = "not an absolute http(s) URL";
    return report;
  }
  Probe probe(fetcher, options.request_budget);
  AuditContext ctx(url, probe, clock, report);
  ctx.token = options.token;
  check_anonymous(ctx);
  if (report.reachable) {
    check_challenge(ctx);
    check_prm(ctx);
    check_as_metadata(ctx);
    check_invalid_tokens(ctx);
    check_operator_token(ctx);
    check_transport(ctx);
  }
  report.requests = probe.used();
  report.budget_exhausted = probe.refused() > 0;
  return report;
}

}  // namespace mcpgate::audit
