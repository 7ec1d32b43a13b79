#pragma once
// One log line when a shared store becomes unreachable and one when it is back, whatever the
// number of calls in between: an outage under load must not flood the log.
#include <atomic>
#include <string>

#include "core/result.hpp"

namespace mcpgate::cluster {

class OutageLog {
 public:
  // `what`: the state and what happens meanwhile ("sign-in state (sign-in pages answer 503)").
  explicit OutageLog(std::string what) : what_(std::move(what)) {}
  void failed(const Error& e);
  void succeeded();
  bool down() const { return down_.load(std::memory_order_relaxed); }

 private:
  std::string what_;
  std::atomic<bool> down_{false};
};

}  // namespace mcpgate::cluster
