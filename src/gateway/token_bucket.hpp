#pragma once
// A token bucket (the shape of Envoy's local rate limit and of nginx's limit_req with burst):
// `rate` tokens a second flow in up to `burst`; a request takes one. Time is passed in, never
// read here, so tests drive it without sleeping. Not thread-safe: the owner holds a lock.
#include <algorithm>
#include <chrono>
#include <cmath>

namespace mcpgate::gateway {

class TokenBucket {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  TokenBucket(double rate, double burst, time_point now) : rate_(rate), burst_(burst), tokens_(burst), last_(now) {}

  // Takes one token. Zero when it was taken; otherwise how long until one will be there (the
  // request is refused and nothing is taken).
  duration take(time_point now) {
    refill(now);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return duration::zero();
    }
    if (rate_ <= 0) return std::chrono::hours(24);  // a bucket that never refills
    auto seconds = (1.0 - tokens_) / rate_;
    auto d = std::chrono::duration_cast<duration>(std::chrono::duration<double>(seconds));
    return std::max(d, duration(1));
  }

  // True when the bucket is full again: its state carries no information and may be forgotten.
  bool full(time_point now) const {
    double t = tokens_;
    if (now > last_) t += std::chrono::duration<double>(now - last_).count() * rate_;
    return t >= burst_;
  }

  // A reload keeps the tokens a caller has, capped at the new burst.
  void reconfigure(double rate, double burst) {
    rate_ = rate;
    burst_ = burst;
    tokens_ = std::min(tokens_, burst_);
  }

  // Retry-After is whole seconds (RFC 9110 §10.2.3); rounded up so that a client that obeys it
  // finds a token.
  static long long retry_after_seconds(duration wait) {
    auto s = std::chrono::duration<double>(wait).count();
    return std::max(1LL, static_cast<long long>(std::ceil(s)));
  }

 private:
  void refill(time_point now) {
    if (now <= last_) return;  // a clock that does not move (or a caller racing behind) adds nothing
    tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
    last_ = now;
  }

  double rate_;
  double burst_;
  double tokens_;
  time_point last_;
};

}  // namespace mcpgate::gateway
