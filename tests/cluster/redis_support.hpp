#pragma once
// A private redis-server (tests/support/redis_instance) and clients of it, for the shared state's tests.
#include <gtest/gtest.h>

#include <memory>

#include "redis/client.hpp"
#include "redis_instance.hpp"

namespace mcpgate::cluster::testing {

#define NEED_REDIS() \
  if (!test::RedisInstance::installed()) FAIL() << "redis-server is not installed (scripts/setup installs it)"

inline std::shared_ptr<redis::Client> client_of(const test::RedisInstance& r) {
  redis::ConnectOptions o;
  o.endpoint = *redis::parse_url(r.url());
  o.connect_timeout = std::chrono::milliseconds(1000);
  o.command_timeout = std::chrono::milliseconds(1000);
  // No wait between reconnection attempts: a test that restarts Redis sees it back at once.
  return std::make_shared<redis::Client>(
      std::move(o), redis::BackoffOptions{std::chrono::milliseconds(0), std::chrono::milliseconds(0)});
}

}  // namespace mcpgate::cluster::testing
