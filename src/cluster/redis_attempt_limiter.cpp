#include "cluster/redis_attempt_limiter.hpp"

#include "core/secret.hpp"

namespace mcpgate::cluster {
namespace {

// One round trip: the count goes up, and the first attempt of a window starts its expiry.
constexpr std::string_view kRecord = R"lua(
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
)lua";

}  // namespace

RedisAttemptLimiter::RedisAttemptLimiter(std::shared_ptr<redis::Client> client, std::string key_prefix,
                                         std::string_view name, std::size_t max, std::chrono::seconds window)
    : client_(std::move(client)),
      prefix_(key_prefix + "as:attempts:" + std::string(name) + ":"),
      max_(max),
      window_(window),
      local_(max, window),
      outage_(std::make_shared<OutageLog>("attempt limits (each replica counts its own meanwhile)")) {}

std::string RedisAttemptLimiter::key_of(std::string_view key) const {
  return prefix_ + sha256_hex(key);
}

bool RedisAttemptLimiter::allowed(std::string_view key, time_point now) {
  auto k = key_of(key);
  auto r = client_->command({"GET", k});
  if (!r || r->is_error()) {
    if (!r) outage_->failed(r.error());
    return local_.allowed(key, now);
  }
  outage_->succeeded();
  if (r->type == redis::Reply::Type::nil) return true;
  // A count this limiter did not write reads as "not limited" only if it is a small number.
  return std::strtoull(r->str.c_str(), nullptr, 10) < max_;
}

void RedisAttemptLimiter::record(std::string_view key, time_point now) {
  local_.record(key, now);
  auto k = key_of(key);
  auto window = std::to_string(std::max<long long>(1, window_.count()));
  auto r = client_->command({"EVAL", kRecord, "1", k, window});
  if (!r) outage_->failed(r.error());
}

void RedisAttemptLimiter::reset(std::string_view key) {
  local_.reset(key);
  auto k = key_of(key);
  if (auto r = client_->command({"DEL", k}); !r) outage_->failed(r.error());
}

}  // namespace mcpgate::cluster
