#pragma once
// An HttpFetcher whose answers come from a function of the request, recording every request: the
// audit's checks are judged on canned answers, and the tests see exactly what the audit sent.
#include <functional>
#include <string>
#include <vector>

#include "oauth/http_fetcher.hpp"

namespace mcpgate::audit::testing {

class ScriptedFetcher final : public oauth::HttpFetcher {
 public:
  using Handler = std::function<Result<oauth::HttpFetchResponse>(const oauth::HttpFetchRequest&)>;
  explicit ScriptedFetcher(Handler h) : handler_(std::move(h)) {}
  std::vector<oauth::HttpFetchRequest> asked;
  Result<oauth::HttpFetchResponse> fetch(const oauth::HttpFetchRequest& r) override {
    asked.push_back(r);
    return handler_(r);
  }

 private:
  Handler handler_;
};

inline oauth::HttpFetchResponse answer(unsigned status, std::string body,
                                       std::vector<std::pair<std::string, std::string>> headers = {}) {
  oauth::HttpFetchResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  for (auto& [n, v] : r.headers)
    if (n == "www-authenticate") r.www_authenticate = v;
  return r;
}

inline std::string header_of(const oauth::HttpFetchRequest& r, std::string_view name) {
  for (auto& [n, v] : r.headers)
    if (n == name) return v;
  return {};
}

}  // namespace mcpgate::audit::testing
