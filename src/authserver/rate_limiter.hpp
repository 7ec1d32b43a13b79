#pragma once
// Counts events per key in a sliding window, in this process (the AttemptLimiter of one replica). Bounded: past
// max_keys the oldest windows are forgotten first, which only ever errs toward letting an attacker try again sooner,
// never toward locking everyone out.
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "authserver/attempt_limiter.hpp"

namespace mcpgate::authserver {

class RateLimiter final : public AttemptLimiter {
 public:
  RateLimiter(std::size_t max_events, std::chrono::seconds window, std::size_t max_keys = 100'000)
      : max_(max_events), window_(window), max_keys_(max_keys) {}

  // Whether `key` is below its limit now (does not count anything).
  [[nodiscard]] bool allowed(std::string_view key, time_point now) override;
  void record(std::string_view key, time_point now) override;
  void reset(std::string_view key) override;

 private:
  void prune(std::deque<time_point>& q, time_point now) const;
  std::size_t max_;
  std::chrono::seconds window_;
  std::size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<time_point>> events_;
};

}  // namespace mcpgate::authserver
