#pragma once
// The audit's only way onto the network: an HttpFetcher behind a request budget and a method
// allow-list. The audit looks at a server the way an attacker would, but it must never change
// anything there: JSON-RPC requests are limited to `initialize`, `notifications/initialized`,
// `ping` and `tools/list` (never `tools/call`), other requests are GETs of metadata documents, and
// every request carries a User-Agent that says what it is. Deadlines and body limits are the
// fetcher's (oauth::HttpFetchOptions).
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "oauth/http_fetcher.hpp"

namespace mcpgate::audit {

inline constexpr std::string_view kUserAgent = "mcpgate-audit/0.1 (non-destructive MCP authorization audit)";
inline constexpr unsigned kDefaultRequestBudget = 32;

// Whether the audit may send this JSON-RPC method at all.
bool method_allowed(std::string_view method);

enum class McpEra { legacy, modern };

// One JSON-RPC message POSTed to the endpoint, with the headers of its era.
struct McpPost {
  std::string url;  // the endpoint (a check may add a query string)
  McpEra era = McpEra::legacy;
  std::string method;
  std::string session_id;                    // legacy, after initialize
  std::optional<std::string> authorization;  // the whole header value, e.g. "Bearer …"
  std::optional<std::string> origin;
  bool notification = false;
};

class Probe {
 public:
  Probe(oauth::HttpFetcher& fetcher, unsigned budget = kDefaultRequestBudget) : fetcher_(fetcher), budget_(budget) {}

  // A GET of a metadata document (PRM, AS metadata, JWKS).
  [[nodiscard]] Result<oauth::HttpFetchResponse> get(const std::string& url);
  [[nodiscard]] Result<oauth::HttpFetchResponse> post(const McpPost& post);

  unsigned used() const { return used_; }
  // Requests not sent because the budget was spent: the audit is incomplete from there on.
  unsigned refused() const { return refused_; }
  unsigned budget() const { return budget_; }
  bool exhausted() const { return used_ >= budget_; }

 private:
  Result<oauth::HttpFetchResponse> send(oauth::HttpFetchRequest request);
  oauth::HttpFetcher& fetcher_;
  unsigned budget_;
  unsigned used_ = 0;
  unsigned refused_ = 0;
};

// The JSON-RPC messages of an answer: its JSON body, or each event of an SSE stream. Bodies that
// are not JSON give none (an HTML error page from a proxy says nothing more than its status).
std::vector<boost::json::value> messages_of(const oauth::HttpFetchResponse& response);
// Whether the answer is a 2xx carrying a JSON-RPC result (not an error).
bool answered_with_result(const oauth::HttpFetchResponse& response);

}  // namespace mcpgate::audit
