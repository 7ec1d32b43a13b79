#include "gateway/metrics.hpp"

#include <cstdio>

namespace mcpgate::gateway {

const char* reason_name(ErrorReason r) {
  switch (r) {
    case ErrorReason::forbidden_origin:
      return "forbidden_origin";
    case ErrorReason::bad_request:
      return "bad_request";
    case ErrorReason::parse_error:
      return "parse_error";
    case ErrorReason::unsupported_media_type:
      return "unsupported_media_type";
    case ErrorReason::not_acceptable:
      return "not_acceptable";
    case ErrorReason::unknown_session:
      return "unknown_session";
    case ErrorReason::header_mismatch:
      return "header_mismatch";
    case ErrorReason::unsupported_version:
      return "unsupported_version";
    case ErrorReason::method_not_allowed:
      return "method_not_allowed";
    case ErrorReason::body_too_large:
      return "body_too_large";
    case ErrorReason::too_many_sessions:
      return "too_many_sessions";
    case ErrorReason::upstream_unavailable:
      return "upstream_unavailable";
    case ErrorReason::upstream_timeout:
      return "upstream_timeout";
    case ErrorReason::overloaded:
      return "overloaded";
    case ErrorReason::unauthorized:
      return "unauthorized";
    case ErrorReason::client_gone:
      return "client_gone";
    case ErrorReason::client_cancelled:
      return "client_cancelled";
    case ErrorReason::kCount:
      break;
  }
  return "unknown";
}

void Metrics::request(unsigned status, double seconds) {
  unsigned cls = status / 100;
  by_class_[(cls >= 1 && cls <= 5) ? cls - 1 : 5].fetch_add(1, std::memory_order_relaxed);
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  latency_micros_sum_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::string Metrics::render() const {
  std::string out;
  char line[256];
  out +=
      "# HELP mcpgate_requests_total HTTP requests answered, by status class.\n# TYPE mcpgate_requests_total counter\n";
  static const char* classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
  std::uint64_t total = 0;
  for (int i = 0; i < 6; ++i) {
    auto v = by_class_[i].load(std::memory_order_relaxed);
    total += v;
    std::snprintf(line, sizeof line, "mcpgate_requests_total{code=\"%s\"} %llu\n", classes[i], (unsigned long long)v);
    out += line;
  }
  out +=
      "# HELP mcpgate_request_duration_seconds Time from request read to response written.\n"
      "# TYPE mcpgate_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::snprintf(line, sizeof line, "mcpgate_request_duration_seconds_bucket{le=\"%g\"} %llu\n", kBuckets[i],
                  (unsigned long long)cumulative);
    out += line;
  }
  cumulative += buckets_[kBuckets.size()].load(std::memory_order_relaxed);
  std::snprintf(line, sizeof line, "mcpgate_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                (unsigned long long)cumulative);
  out += line;
  std::snprintf(line, sizeof line,
                "mcpgate_request_duration_seconds_sum %.6f\nmcpgate_request_duration_seconds_count %llu\n",
                latency_micros_sum_.load(std::memory_order_relaxed) / 1e6, (unsigned long long)cumulative);
  out += line;
  out += "# HELP mcpgate_errors_total Requests refused or failed, by reason.\n# TYPE mcpgate_errors_total counter\n";
  for (int i = 0; i < static_cast<int>(ErrorReason::kCount); ++i) {
    std::snprintf(line, sizeof line, "mcpgate_errors_total{reason=\"%s\"} %llu\n",
                  reason_name(static_cast<ErrorReason>(i)),
                  (unsigned long long)errors_[i].load(std::memory_order_relaxed));
    out += line;
  }
  out +=
      "# HELP mcpgate_auth_refusals_total Requests refused at authentication, by reason.\n"
      "# TYPE mcpgate_auth_refusals_total counter\n";
  for (int i = 0; i < oauth::kAuthErrorCount; ++i) {
    std::snprintf(line, sizeof line, "mcpgate_auth_refusals_total{reason=\"%.*s\"} %llu\n",
                  static_cast<int>(oauth::name(static_cast<oauth::AuthError>(i)).size()),
                  oauth::name(static_cast<oauth::AuthError>(i)).data(),
                  (unsigned long long)auth_refusals_[i].load(std::memory_order_relaxed));
    out += line;
  }
  out +=
      "# HELP mcpgate_upstream_restarts_total Upstream child processes that exited and were restarted.\n"
      "# TYPE mcpgate_upstream_restarts_total counter\n";
  std::snprintf(line, sizeof line, "mcpgate_upstream_restarts_total %llu\n", (unsigned long long)restarts_.load());
  out += line;
  out +=
      "# HELP mcpgate_policy_decisions_total Policy decisions on tool, resource and prompt requests.\n"
      "# TYPE mcpgate_policy_decisions_total counter\n";
  static const char* kinds[] = {"allow", "shadow_deny", "deny"};
  for (int i = 0; i < 3; ++i) {
    std::snprintf(line, sizeof line, "mcpgate_policy_decisions_total{decision=\"%s\"} %llu\n", kinds[i],
                  (unsigned long long)decisions_[i].load(std::memory_order_relaxed));
    out += line;
  }
  out += "# HELP mcpgate_sessions Open legacy-era sessions.\n# TYPE mcpgate_sessions gauge\n";
  std::snprintf(line, sizeof line, "mcpgate_sessions %lld\n", (long long)sessions_.load());
  out += line;
  (void)total;
  render_limits(out);
  return out;
}

}  // namespace mcpgate::gateway
