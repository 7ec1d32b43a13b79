#pragma once
// A private Redis server for tests: redis-server on a free loopback port, its working directory a
// temporary one, no persistence; stopped (and restarted on the same port, for reconnection tests)
// by the test, killed at the end. No system service is needed.
//
// redis-server is found in $MCPGATE_REDIS_SERVER or on PATH. When it is absent, start() fails
// with a message saying so and `installed()` is false: the tests then fail with that message, as
// the PostgreSQL ones do (scripts/setup installs it; a skipped test would prove nothing in CI).
#include <sys/types.h>

#include <memory>
#include <string>

#include "core/result.hpp"

namespace mcpgate::test {

class RedisInstance {
 public:
  // `password`: started with --requirepass (empty: none).
  static Result<std::unique_ptr<RedisInstance>> start(std::string password = {});
  static bool installed();
  ~RedisInstance();  // kills the server, removes its directory
  RedisInstance(const RedisInstance&) = delete;
  RedisInstance& operator=(const RedisInstance&) = delete;

  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  // Stops the server (SIGTERM, then waits for it to exit): clients see their connections close.
  void stop();
  // Starts it again on the same port; ready (answers PING) when this returns true.
  [[nodiscard]] Result<void> restart();

 private:
  RedisInstance() = default;
  Result<void> launch();
  std::string dir_, password_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace mcpgate::test
