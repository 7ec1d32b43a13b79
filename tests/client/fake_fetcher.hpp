#pragma once
// An HttpFetcher that answers from a table and records what was asked, in order.
#include <map>
#include <string>
#include <vector>

#include "oauth/http_fetcher.hpp"

namespace mcpgate::client::testing {

class FakeFetcher final : public oauth::HttpFetcher {
 public:
  std::map<std::string, oauth::HttpFetchResponse> routes;  // url → answer; others 404
  std::vector<std::string> asked;
  Result<oauth::HttpFetchResponse> fetch(const oauth::HttpFetchRequest& r) override {
    asked.push_back(r.url);
    auto it = routes.find(r.url);
    if (it == routes.end()) return oauth::HttpFetchResponse{404, "{}", std::nullopt};
    return it->second;
  }
  void json(const std::string& url, const std::string& body) { routes[url] = oauth::HttpFetchResponse{200, body, {}}; }
};

}  // namespace mcpgate::client::testing
