#pragma once
#include <chrono>

namespace mcpgate {

// Wall-clock time, injected so that expiry logic is tested without sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
};

inline const Clock& system_clock() {
  static SystemClock c;
  return c;
}

}  // namespace mcpgate
