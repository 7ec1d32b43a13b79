#include "redis/client.hpp"

namespace mcpgate::redis {

Client::Client(ConnectOptions options, BackoffOptions backoff) : options_(std::move(options)), backoff_(backoff) {}

Result<Reply> Client::command(const std::vector<std::string_view>& args) {
  std::lock_guard lock(mu_);
  if (!conn_) {
    auto now = Backoff::Clock::now();
    if (!backoff_.due(now)) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(backoff_.next() - now).count();
      return fail("redis " + options_.endpoint.name() + ": unavailable (next attempt in " + std::to_string(ms) +
                  " ms)");
    }
    auto c = Connection::open(options_);
    if (!c) {
      backoff_.failed(now);
      return unexpected(c.error());
    }
    backoff_.succeeded();
    conn_ = std::move(*c);
  }
  auto r = conn_->command(args);
  if (!r) {
    // The connection is unusable (reset, deadline): the next call reconnects, a first retry at
    // once since a restarted server is usually back by then.
    conn_.reset();
    return r;
  }
  return r;
}

Result<void> Client::ping() {
  auto r = command({"PING"});
  if (!r) return unexpected(r.error());
  if (r->type != Reply::Type::status || r->str != "PONG") return fail("redis: PING answered " + r->str);
  return {};
}

}  // namespace mcpgate::redis
