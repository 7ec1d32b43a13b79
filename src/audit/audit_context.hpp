#pragma once
// What one endpoint's audit carries from check group to check group: the probe, the operator's
// token, what was learned (the 401, the metadata documents) and the findings so far. Each group
// reads what earlier groups learned and skips, with a reason, what it cannot test.
#include <optional>
#include <string>
#include <vector>

#include "audit/probe.hpp"
#include "audit/report.hpp"
#include "core/clock.hpp"
#include "core/secret.hpp"
#include "oauth/as_metadata.hpp"
#include "oauth/http_fetcher.hpp"

namespace mcpgate::audit {

struct AuditContext {
  AuditContext(std::string endpoint_url, Probe& p, const Clock& c, EndpointReport& r)
      : endpoint(std::move(endpoint_url)), probe(p), clock(c), report(r) {}

  std::string endpoint;
  Probe& probe;
  const Clock& clock;
  EndpointReport& report;
  // The operator's own access token (--token). Only ever sent to the endpoint under audit, and
  // never written into the report.
  std::optional<Secret> token;

  // Learned along the way.
  std::optional<McpEra> era;                             // the era a successful request used
  std::optional<oauth::HttpFetchResponse> refusal;       // the answer to the first request without a token
  std::optional<oauth::HttpFetchResponse> first_answer;  // any answer of the endpoint (for HSTS)
  std::string resource_metadata_url;                     // from the challenge, else the well-known URL that answered
  std::string prm_resource;                              // `resource` of the PRM document
  std::vector<std::string> authorization_servers;
  std::vector<std::string> scopes_supported;
  std::optional<oauth::AuthorizationServerMetadata> as;
  std::string jwks;  // the authorization server's key set, as published

  void add(std::string id, Verdict v, std::string summary, std::string spec, std::string fix = {}) {
    // Past the budget a missing answer says nothing about the server: not a finding against it.
    if (probe.refused() > 0 && v != Verdict::pass) {
      v = Verdict::skipped;
      summary = "request budget exhausted (--max-requests)";
      fix.clear();
    }
    report.findings.push_back(Finding{std::move(id), v, std::move(summary), std::move(spec), std::move(fix)});
  }
  void skip(std::string id, std::string why, std::string spec) {
    add(std::move(id), Verdict::skipped, std::move(why), std::move(spec));
  }
  // Remember any answer of the endpoint itself (HSTS is read from it).
  void saw(const oauth::HttpFetchResponse& r) {
    if (!first_answer) first_answer = r;
  }
};

// Spec references used by several groups.
inline constexpr const char* kSpecTokenRequirements = "MCP 2025-11-25/2026-07-28 authorization, Token Requirements";
inline constexpr const char* kSpecErrorHandling = "MCP authorization, Error Handling; RFC 6750 §3.1";

}  // namespace mcpgate::audit
