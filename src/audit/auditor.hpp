#pragma once
// One endpoint's audit: the check groups in order, each reading what the earlier ones learned
// (the 401 → PRM → authorization server metadata → its key set → forged tokens).
#include <optional>
#include <string>

#include "audit/report.hpp"
#include "core/clock.hpp"
#include "core/secret.hpp"
#include "oauth/http_fetcher.hpp"

namespace mcpgate::audit {

struct AuditOptions {
  std::optional<Secret> token;  // the operator's own access token
  unsigned request_budget = 32;
};

EndpointReport audit_endpoint(const std::string& url, oauth::HttpFetcher& fetcher, const AuditOptions& options,
                              const Clock& clock = system_clock());

}  // namespace mcpgate::audit
