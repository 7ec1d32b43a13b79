#pragma once
// A clock tests set and move by hand (house rule 6: tests never read the wall clock).
#include <chrono>
#include <mutex>

#include "core/clock.hpp"

namespace mcpgate::testing {

class FakeClock final : public Clock {
 public:
  static constexpr std::int64_t kStart = 1'700'000'000;  // 2023-11-14, a fixed instant

  std::chrono::system_clock::time_point now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void advance(std::chrono::seconds s) {
    std::lock_guard lock(mu_);
    now_ += s;
  }
  std::int64_t seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point now_{std::chrono::seconds(kStart)};
};

}  // namespace mcpgate::testing
