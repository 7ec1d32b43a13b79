#pragma once
// Counts attempts per key (a username, a source address) over a window and says when a key has had
// too many: failed sign-ins, client registrations. One replica counts in memory (RateLimiter);
// several count together in a shared store, or an attacker would get one allowance per replica.
#include <chrono>
#include <string_view>

namespace mcpgate::authserver {

class AttemptLimiter {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~AttemptLimiter() = default;
  // Whether `key` is below its limit now (counts nothing).
  [[nodiscard]] virtual bool allowed(std::string_view key, time_point now) = 0;
  virtual void record(std::string_view key, time_point now) = 0;
  virtual void reset(std::string_view key) = 0;
};

}  // namespace mcpgate::authserver
