#pragma once
// Test doubles for the oauth seams: a settable clock, a JWKS source and an HTTP fetcher whose
// answers and call counts tests control, and a verifier that counts signature checks.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "oauth/http_fetcher.hpp"
#include "oauth/introspection.hpp"
#include "oauth/jwks_cache.hpp"
#include "oauth/signature.hpp"

namespace mcpgate::oauth::testing {

inline constexpr std::int64_t kNow = 1'700'000'000;

class FakeClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void advance(std::chrono::seconds s) {
    std::lock_guard lock(mu_);
    now_ += s;
  }

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point now_{std::chrono::seconds(kNow)};
};

// The shared state outlives the JwksSource the cache owns, so tests keep a handle to it.
struct FakeJwksState {
  std::mutex mu;
  std::string body;
  std::optional<std::chrono::seconds> max_age;
  bool failing = false;
  std::atomic<int> fetches{0};
  void set(std::string b) {
    std::lock_guard lock(mu);
    body = std::move(b);
  }
};

class FakeJwksSource final : public JwksSource {
 public:
  explicit FakeJwksSource(std::shared_ptr<FakeJwksState> s) : s_(std::move(s)) {}
  Result<JwksDocument> fetch() override {
    ++s_->fetches;
    std::lock_guard lock(s_->mu);
    if (s_->failing) return fail("fake source down");
    return JwksDocument{s_->body, s_->max_age};
  }

 private:
  std::shared_ptr<FakeJwksState> s_;
};

class FakeHttpFetcher final : public HttpFetcher {
 public:
  std::map<std::string, HttpFetchResponse> routes;  // url → response; others 404
  std::vector<HttpFetchRequest> requests;
  Result<HttpFetchResponse> fetch(const HttpFetchRequest& r) override {
    requests.push_back(r);
    auto it = routes.find(r.url);
    if (it == routes.end()) return HttpFetchResponse{404, "{}", std::nullopt};
    return it->second;
  }
};

class CountingVerifier final : public SignatureVerifier {
 public:
  mutable std::atomic<int> count{0};
  AuthResult<void> verify(Algorithm alg, const Jwk& key, std::string_view input, std::string_view sig) const override {
    ++count;
    return default_verifier().verify(alg, key, input, sig);
  }
};

class FakeIntrospector final : public Introspector {
 public:
  boost::json::object response;
  bool failing = false;
  int calls = 0;
  AuthResult<boost::json::object> introspect(const Secret&) override {
    ++calls;
    if (failing) return reject(AuthError::introspection_failed);
    return response;
  }
};

}  // namespace mcpgate::oauth::testing
