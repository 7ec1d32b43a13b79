#pragma once
// One blocking connection to Redis over hiredis, with a deadline on connecting and on every
// command, AUTH and SELECT done on opening. Not thread-safe: Client serialises its users, and the
// Subscriber owns its connection on its own thread. Never used on the gateway's serving threads.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/secret.hpp"
#include "redis/reply.hpp"
#include "redis/url.hpp"

struct redisContext;

namespace mcpgate::redis {

struct ConnectOptions {
  Endpoint endpoint;
  Secret password;  // empty: no AUTH
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
};

class Connection {
 public:
  // Connects, authenticates and selects the database; a server that wants a password and got none
  // (or the wrong one) fails here, with the server's reason and never the password.
  [[nodiscard]] static Result<std::unique_ptr<Connection>> open(const ConnectOptions& o);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one command and waits (at most command_timeout) for its reply. An error reply is a Reply
  // of type error; a failure means the connection is unusable (broken() is then true).
  [[nodiscard]] Result<Reply> command(const std::vector<std::string_view>& args);

  // For the subscriber's own loop (poll on fd(), then read): queue and flush a command without
  // waiting for its reply; the next reply already read, if any; read what the socket has.
  [[nodiscard]] Result<void> send(const std::vector<std::string_view>& args);
  [[nodiscard]] Result<std::optional<Reply>> buffered_reply();
  [[nodiscard]] Result<void> read_available();
  int fd() const;

  bool broken() const { return broken_; }

 private:
  explicit Connection(redisContext* c, std::string name) : c_(c), name_(std::move(name)) {}
  Error failure(std::string_view what);
  redisContext* c_;
  std::string name_;  // host:port
  bool broken_ = false;
};

}  // namespace mcpgate::redis
