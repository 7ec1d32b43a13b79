#pragma once
// The gateway's handle on Redis for commands (not pub/sub: see Subscriber). Thread-safe and
// blocking: run it on a blocking pool, never on a serving thread. It connects on first use and
// again after a failure, with backoff (backoff.hpp): while Redis is down a command fails at once
// with "unavailable" instead of waiting for a connect deadline.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "redis/backoff.hpp"
#include "redis/connection.hpp"
#include "redis/reply.hpp"

namespace mcpgate::redis {

class Client {
 public:
  explicit Client(ConnectOptions options, BackoffOptions backoff = {});
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // One command and its reply. An error reply (WRONGTYPE…) is a Reply of type error; a failure
  // means Redis could not be reached or did not answer within command_timeout.
  [[nodiscard]] Result<Reply> command(const std::vector<std::string_view>& args);
  // PING, for /readyz: ok when Redis answers PONG.
  [[nodiscard]] Result<void> ping();

  const Endpoint& endpoint() const { return options_.endpoint; }

 private:
  ConnectOptions options_;
  std::mutex mu_;
  std::unique_ptr<Connection> conn_;  // under mu_; null when not connected
  Backoff backoff_;                   // under mu_
};

}  // namespace mcpgate::redis
