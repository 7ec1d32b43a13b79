#pragma once
// When to try a lost Redis again: at once the first time, then twice as long after each failure
// up to a ceiling, back to the start after a success. A down Redis then costs each caller a quick
// "unavailable" answer, not a connect deadline per request, and the server a handful of
// connection attempts, not a storm from every replica.
#include <algorithm>
#include <chrono>

namespace mcpgate::redis {

struct BackoffOptions {
  std::chrono::milliseconds first{100};
  std::chrono::milliseconds ceiling{2000};
};

class Backoff {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Backoff(BackoffOptions o = {}) : o_(o) {}

  bool due(Clock::time_point now) const { return now >= next_; }
  Clock::time_point next() const { return next_; }
  void failed(Clock::time_point now) {
    delay_ = delay_.count() == 0 ? o_.first : std::min(delay_ * 2, o_.ceiling);
    next_ = now + delay_;
  }
  void succeeded() {
    delay_ = std::chrono::milliseconds(0);
    next_ = {};
  }

 private:
  BackoffOptions o_;
  std::chrono::milliseconds delay_{0};
  Clock::time_point next_{};
};

}  // namespace mcpgate::redis
