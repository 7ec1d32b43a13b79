#pragma once
// An HTTP fetcher that answers from a script instead of the network: every request is recorded,
// and the answer is the one set for it (or a failure, as an unreachable endpoint gives).
#include <functional>
#include <mutex>
#include <vector>

#include "oauth/http_fetcher.hpp"

namespace mcpgate::testing {

class FakeFetcher final : public oauth::HttpFetcher {
 public:
  using Handler = std::function<Result<oauth::HttpFetchResponse>(const oauth::HttpFetchRequest&)>;
  // No handler: every fetch fails.
  explicit FakeFetcher(Handler h = {}) : handler_(std::move(h)) {}

  Result<oauth::HttpFetchResponse> fetch(const oauth::HttpFetchRequest& request) override {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
    if (!handler_) return fail("fake fetcher: unreachable");
    return handler_(request);
  }
  std::vector<oauth::HttpFetchRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  mutable std::mutex mu_;
  Handler handler_;
  std::vector<oauth::HttpFetchRequest> requests_;
};

}  // namespace mcpgate::testing
