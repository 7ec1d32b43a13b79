#include "cluster/outage_log.hpp"

#include "core/log.hpp"

namespace mcpgate::cluster {

void OutageLog::failed(const Error& e) {
  if (!down_.exchange(true)) log::error("redis: " + what_ + " unavailable: " + e.message);
}

void OutageLog::succeeded() {
  if (down_.exchange(false)) log::info("redis: " + what_ + " available again");
}

}  // namespace mcpgate::cluster
