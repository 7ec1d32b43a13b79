#pragma once
// Counters and a latency histogram in Prometheus text format. Lock-free on the request path:
// every label combination is known at start-up, so hot paths only touch atomics.
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "oauth/auth_error.hpp"

namespace mcpgate::exchange {
class UpstreamCredentials;
}

namespace mcpgate::gateway {

// Why a request did not reach an upstream, or failed there: the label of errors_total.
enum class ErrorReason {
  forbidden_origin,
  bad_request,
  parse_error,
  unsupported_media_type,
  not_acceptable,
  unknown_session,
  header_mismatch,
  unsupported_version,
  method_not_allowed,
  body_too_large,
  too_many_sessions,
  upstream_unavailable,
  upstream_timeout,
  overloaded,
  unauthorized,
  client_gone,       // the client closed its connection before its answer (the call was abandoned)
  client_cancelled,  // the client cancelled the call (notifications/cancelled) before its answer
  kCount
};
const char* reason_name(ErrorReason r);

// Why a request was refused by a limit (fairness or overload): the label of refusals_total.
enum class RefusalReason {
  rate_limited,
  rate_limited_tool,
  quota_sessions,
  quota_concurrency,
  quota_principals,
  overloaded_queue_full,
  overloaded_queue_timeout,
  children_limit,  // a stdio upstream in mode per_principal runs its max_children
  kCount
};
const char* refusal_reason_name(RefusalReason r);

class Admission;
class PrincipalLimiter;
class PrincipalChildren;

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    5};

  void request(unsigned status, double seconds);
  void error(ErrorReason r) { errors_[static_cast<int>(r)].fetch_add(1, std::memory_order_relaxed); }
  // 0 allow, 1 shadow-deny, 2 deny
  void decision(int kind) { decisions_[kind].fetch_add(1, std::memory_order_relaxed); }
  void upstream_restart() { restarts_.fetch_add(1, std::memory_order_relaxed); }
  void session_opened() { sessions_.fetch_add(1, std::memory_order_relaxed); }
  void session_closed() { sessions_.fetch_sub(1, std::memory_order_relaxed); }
  void refusal(RefusalReason r) { refusals_[static_cast<int>(r)].fetch_add(1, std::memory_order_relaxed); }
  // A failed authentication, by its AuthError (mcpgate_auth_refusals_total{reason}); it also
  // counts in errors_total{reason="unauthorized"}, which predates it.
  void auth_refusal(oauth::AuthError e) { auth_refusals_[static_cast<int>(e)].fetch_add(1, std::memory_order_relaxed); }
  // Gauges read at render time: in flight, queue depth and limits of each upstream's admission,
  // and the per-principal limits of each endpoint.
  void watch_upstream(std::string endpoint, std::string upstream, std::shared_ptr<const Admission> admission);
  void watch_principals(std::string endpoint, std::shared_ptr<const PrincipalLimiter> limiter);
  // Tokens obtained for an upstream (exchange/upstream_credentials.hpp).
  void watch_credentials(std::string endpoint, std::string upstream,
                         std::shared_ptr<const exchange::UpstreamCredentials> credentials);
  // The children of a stdio upstream in mode per_principal.
  void watch_children(std::string endpoint, std::string upstream, std::shared_ptr<const PrincipalChildren> children);
  std::string render() const;

 private:
  std::array<std::atomic<std::uint64_t>, 6> by_class_{};  // 1xx…5xx, other
  std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets_{};
  std::atomic<std::uint64_t> latency_micros_sum_{0};
  std::array<std::atomic<std::uint64_t>, static_cast<int>(ErrorReason::kCount)> errors_{};
  std::atomic<std::uint64_t> restarts_{0};
  std::array<std::atomic<std::uint64_t>, 3> decisions_{};
  std::atomic<std::int64_t> sessions_{0};
  std::array<std::atomic<std::uint64_t>, static_cast<int>(RefusalReason::kCount)> refusals_{};
  std::array<std::atomic<std::uint64_t>, oauth::kAuthErrorCount> auth_refusals_{};
  struct WatchedUpstream {
    std::string endpoint, upstream;
    std::shared_ptr<const Admission> admission;
  };
  struct WatchedCredentials {
    std::string endpoint, upstream;
    std::shared_ptr<const exchange::UpstreamCredentials> credentials;
  };
  std::vector<WatchedCredentials> credentials_;
  struct WatchedPrincipals {
    std::string endpoint;
    std::shared_ptr<const PrincipalLimiter> limiter;
  };
  mutable std::mutex watched_mutex_;
  std::vector<WatchedUpstream> upstreams_;
  std::vector<WatchedPrincipals> principals_;
  struct WatchedChildren {
    std::string endpoint, upstream;
    std::shared_ptr<const PrincipalChildren> children;
  };
  std::vector<WatchedChildren> children_;
  void render_limits(std::string& out) const;
  void render_credentials(std::string& out) const;
};

}  // namespace mcpgate::gateway
