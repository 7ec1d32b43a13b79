#pragma once
// Auditing many endpoints: the list file (one URL per line, `#` comments) and a bounded pool of
// workers, each endpoint with its own fetcher and budget. Reports come back in the file's order.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "audit/auditor.hpp"
#include "core/result.hpp"

namespace mcpgate::audit {

inline constexpr unsigned kDefaultConcurrency = 8;
inline constexpr unsigned kMaxConcurrency = 64;
inline constexpr std::size_t kMaxListEntries = 10'000;

// The URLs of a list file's text: blank lines and `#` comments (whole-line or trailing) skipped,
// whitespace trimmed.
Result<std::vector<std::string>> parse_url_list(std::string_view text);

using FetcherFactory = std::function<std::unique_ptr<oauth::HttpFetcher>()>;

std::vector<EndpointReport> audit_all(const std::vector<std::string>& urls, const FetcherFactory& make_fetcher,
                                      const AuditOptions& options, unsigned concurrency);

}  // namespace mcpgate::audit
