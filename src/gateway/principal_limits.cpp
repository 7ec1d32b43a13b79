#include "gateway/principal_limits.hpp"

#include <functional>

#include "policy/glob.hpp"

namespace mcpgate::gateway {

const char* refusal_name(LimitRefusal r) {
  switch (r) {
    case LimitRefusal::rate_limited:
      return "rate_limited";
    case LimitRefusal::rate_limited_tool:
      return "rate_limited_tool";
    case LimitRefusal::quota_sessions:
      return "quota_sessions";
    case LimitRefusal::quota_concurrency:
      return "quota_concurrency";
    case LimitRefusal::quota_principals:
      return "quota_principals";
    case LimitRefusal::kCount:
      break;
  }
  return "unknown";
}

namespace {
// How long a refused client should wait when no bucket says: a session or a request place frees
// when another one ends, which the gateway cannot predict.
constexpr long long kSessionRetryAfter = 30;
constexpr long long kBusyRetryAfter = 1;
}  // namespace

PrincipalLimiter::PrincipalLimiter(config::PrincipalLimits limits, std::shared_ptr<SharedRateStore> shared)
    : limits_(std::move(limits)),
      shared_(std::move(shared)),
      max_per_shard_(std::max<std::size_t>(1, (limits_.max_principals + kShards - 1) / kShards)) {}

void PrincipalLimiter::Slot::release() {
  if (!owner_) return;
  auto& shard = owner_->shards_[entry_->shard];
  {
    std::lock_guard lock(shard.mutex);
    auto& n = session_ ? entry_->sessions : entry_->in_flight;
    if (n > 0) --n;
  }
  owner_.reset();
  entry_.reset();
}

Refused PrincipalLimiter::refuse(LimitRefusal r, long long retry_after) {
  refused_[static_cast<int>(r)].fetch_add(1, std::memory_order_relaxed);
  return Refused{r, retry_after};
}

const config::RateLimit& PrincipalLimiter::tool_rate(std::string_view tool) const {
  for (auto& o : limits_.tool_overrides)
    for (auto& pattern : o.tools)
      if (policy::glob_match(pattern, tool)) return o.rate;
  return limits_.tool_calls;
}

void PrincipalLimiter::sweep_shard(Shard& shard, time_point now, bool any_age) {
  for (auto it = shard.map.begin(); it != shard.map.end();) {
    auto& e = *it->second;
    // An entry with nothing open and full buckets is the same as no entry: forgetting it loses
    // nothing (a principal forgotten with an empty bucket would come back with a full one, so
    // those stay). The periodic sweep also waits for idle_expiry, so that an active principal's
    // entry is not reallocated over and over; a full table takes any such entry at once.
    bool idle = e.sessions == 0 && e.in_flight == 0 && (any_age || now - e.last_seen >= limits_.idle_expiry);
    bool settled = idle && e.requests.full(now);
    for (auto t = e.tools.begin(); settled && t != e.tools.end(); ++t) settled = t->second.full(now);
    if (settled) {
      it = shard.map.erase(it);
      count_.fetch_sub(1, std::memory_order_relaxed);
    } else {
      ++it;
    }
  }
}

std::shared_ptr<PrincipalLimiter::Entry> PrincipalLimiter::entry(Shard& shard, std::size_t index,
                                                                 const std::string& key, time_point now) {
  if (auto it = shard.map.find(key); it != shard.map.end()) return it->second;
  if (shard.map.size() >= max_per_shard_) sweep_shard(shard, now, true);
  // Every tracked principal is busy or recently active: a new one is refused rather than the
  // table growing without bound (tokens are minted by trusted issuers, but subjects are cheap).
  if (shard.map.size() >= max_per_shard_) return nullptr;
  auto e = std::make_shared<Entry>(limits_, now);
  e->shard = index;
  shard.map.emplace(key, e);
  count_.fetch_add(1, std::memory_order_relaxed);
  return e;
}

PrincipalLimiter::SharedAnswer PrincipalLimiter::take_shared(const std::string& key, std::string_view tool) {
  SharedAnswer a;
  if (!shared_) return a;
  // The key is the principal's; the store's own prefix keeps endpoints and deployments apart.
  if (limits_.requests.enabled()) {
    a.requests = shared_->take("r\n" + key, limits_.requests.per_second, limits_.requests.burst);
    // Refused already: the tool's bucket keeps its token, as it does in a local bucket.
    if (a.requests && *a.requests != SharedRateStore::duration::zero()) return a;
  }
  if (!tool.empty()) {
    auto& rate = tool_rate(tool);
    if (rate.enabled()) a.tool = shared_->take("t\n" + key + "\n" + std::string(tool), rate.per_second, rate.burst);
  }
  return a;
}

expected<PrincipalLimiter::Slot, Refused> PrincipalLimiter::begin_request(const std::string& key, std::string_view tool,
                                                                          time_point now, bool concurrent) {
  // Shared buckets first, before the shard's lock; a request refused later for concurrency has
  // then spent a token, which only errs toward the stricter side.
  auto shared = take_shared(key, tool);
  auto index = std::hash<std::string>{}(key) % kShards;
  auto& shard = shards_[index];
  std::lock_guard lock(shard.mutex);
  auto e = entry(shard, index, key, now);
  if (!e) return unexpected(refuse(LimitRefusal::quota_principals, kBusyRetryAfter));
  e->last_seen = now;
  if (concurrent && limits_.max_concurrent_requests && e->in_flight >= limits_.max_concurrent_requests)
    return unexpected(refuse(LimitRefusal::quota_concurrency, kBusyRetryAfter));
  if (limits_.requests.enabled()) {
    auto wait = shared.requests ? *shared.requests : e->requests.take(now);
    if (wait != TokenBucket::duration::zero())
      return unexpected(refuse(LimitRefusal::rate_limited, TokenBucket::retry_after_seconds(wait)));
  }
  if (!tool.empty()) {
    auto& rate = tool_rate(tool);
    if (rate.enabled() && shared.tool) {
      if (*shared.tool != TokenBucket::duration::zero())
        return unexpected(refuse(LimitRefusal::rate_limited_tool, TokenBucket::retry_after_seconds(*shared.tool)));
    } else if (rate.enabled()) {
      auto it = e->tools.find(std::string(tool));
      if (it == e->tools.end()) {
        if (e->tools.size() >= kMaxToolBuckets) {
          // Full buckets carry no state; dropping them bounds the map whatever names a client sends.
          std::erase_if(e->tools, [&](auto& kv) { return kv.second.full(now); });
        }
        if (e->tools.size() >= kMaxToolBuckets)
          return unexpected(refuse(LimitRefusal::rate_limited_tool, kBusyRetryAfter));
        it = e->tools.emplace(std::string(tool), TokenBucket(rate.per_second, rate.burst, now)).first;
      }
      auto wait = it->second.take(now);
      if (wait != TokenBucket::duration::zero())
        return unexpected(refuse(LimitRefusal::rate_limited_tool, TokenBucket::retry_after_seconds(wait)));
    }
  }
  if (!concurrent) return Slot();
  ++e->in_flight;
  return Slot(shared_from_this(), std::move(e), false);
}

expected<PrincipalLimiter::Slot, Refused> PrincipalLimiter::open_session(const std::string& key, time_point now) {
  auto index = std::hash<std::string>{}(key) % kShards;
  auto& shard = shards_[index];
  std::lock_guard lock(shard.mutex);
  auto e = entry(shard, index, key, now);
  if (!e) return unexpected(refuse(LimitRefusal::quota_principals, kBusyRetryAfter));
  e->last_seen = now;
  if (limits_.max_sessions && e->sessions >= limits_.max_sessions)
    return unexpected(refuse(LimitRefusal::quota_sessions, kSessionRetryAfter));
  ++e->sessions;
  return Slot(shared_from_this(), std::move(e), true);
}

void PrincipalLimiter::sweep(time_point now) {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    sweep_shard(shard, now, false);
  }
}

}  // namespace mcpgate::gateway
