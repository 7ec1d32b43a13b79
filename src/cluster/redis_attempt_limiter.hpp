#pragma once
// The authorization server's attempt limits (failed sign-ins per user and per address, client
// registrations per address) counted in Redis by all replicas: a fixed window per key, INCR and
// EXPIRE in one Lua script (one round trip). Without a shared count, an attacker spreading guesses
// over N replicas would get N allowances.
//
// The window is fixed, not sliding as in this process: at a window's edge a key can have up to
// twice its limit in a short time, the usual price of one counter per key. While Redis cannot
// answer, the replica's own sliding-window counter decides (it counts every attempt, always).
#include <memory>
#include <string>

#include "authserver/attempt_limiter.hpp"
#include "authserver/rate_limiter.hpp"
#include "cluster/outage_log.hpp"
#include "redis/client.hpp"

namespace mcpgate::cluster {

class RedisAttemptLimiter final : public authserver::AttemptLimiter {
 public:
  // Keys are `<prefix>as:attempts:<name>:<sha256 of the key>` (no username or address in Redis).
  RedisAttemptLimiter(std::shared_ptr<redis::Client> client, std::string key_prefix, std::string_view name,
                      std::size_t max, std::chrono::seconds window);
  bool allowed(std::string_view key, time_point now) override;
  void record(std::string_view key, time_point now) override;
  void reset(std::string_view key) override;

 private:
  std::string key_of(std::string_view key) const;
  std::shared_ptr<redis::Client> client_;
  std::string prefix_;
  std::size_t max_;
  std::chrono::seconds window_;
  authserver::RateLimiter local_;
  std::shared_ptr<OutageLog> outage_;
};

}  // namespace mcpgate::cluster
