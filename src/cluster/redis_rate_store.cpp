#include "cluster/redis_rate_store.hpp"

#include <cmath>

#include "core/secret.hpp"

namespace mcpgate::cluster {
namespace {

// GCRA: ARGV[1] is the emission interval (µs per token), ARGV[2] the burst. Returns 0 when a token
// was taken, else the wait in µs (nothing stored). The key expires when its bucket is full again.
constexpr std::string_view kTake = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local stored = redis.call('GET', KEYS[1])
local tat = stored and tonumber(stored) or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
if allow_at > now then return math.ceil(allow_at - now) end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
return 0
)lua";

}  // namespace

RedisRateStore::RedisRateStore(std::shared_ptr<redis::Client> client, std::string key_prefix, std::string_view scope)
    : client_(std::move(client)), prefix_(key_prefix + "rate:" + std::string(scope) + ":") {}

std::optional<RedisRateStore::duration> RedisRateStore::take(std::string_view key, double rate, double burst) {
  if (!(rate > 0)) return duration::zero();
  auto interval = std::to_string(static_cast<long long>(std::llround(std::max(1.0, 1e6 / rate))));
  auto b = std::to_string(std::max(0.0, burst));
  auto k = prefix_ + sha256_hex(key);
  auto r = client_->command({"EVAL", kTake, "1", k, interval, b});
  if (!r) {
    outage_.failed(r.error());
    return std::nullopt;
  }
  if (r->type != redis::Reply::Type::integer) {
    outage_.failed(Error{"unexpected reply to the rate script: " + r->str});
    return std::nullopt;
  }
  outage_.succeeded();
  if (r->integer <= 0) return duration::zero();
  return std::chrono::duration_cast<duration>(std::chrono::microseconds(r->integer));
}

}  // namespace mcpgate::cluster
