#include "audit/list_runner.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <thread>

namespace mcpgate::audit {

Result<std::vector<std::string>> parse_url_list(std::string_view text) {
  std::vector<std::string> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.find_first_of(" \t") != std::string_view::npos)
      return fail("line " + std::to_string(line_no) + ": one URL per line");
    if (out.size() == kMaxListEntries) return fail("more than " + std::to_string(kMaxListEntries) + " URLs");
    out.emplace_back(line);
  }
  return out;
}

std::vector<EndpointReport> audit_all(const std::vector<std::string>& urls, const FetcherFactory& make_fetcher,
                                      const AuditOptions& options, unsigned concurrency) {
  std::vector<EndpointReport> reports(urls.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < urls.size(); i = next++) {
      auto fetcher = make_fetcher();
      reports[i] = audit_endpoint(urls[i], *fetcher, options);
    }
  };
  unsigned n = std::clamp<unsigned>(concurrency, 1, kMaxConcurrency);
  n = std::min<unsigned>(n, static_cast<unsigned>(std::max<std::size_t>(urls.size(), 1)));
  std::vector<std::jthread> pool;
  for (unsigned i = 0; i < n; ++i) pool.emplace_back(worker);
  return reports;
}

}  // namespace mcpgate::audit
