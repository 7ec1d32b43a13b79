#pragma once
// Fairness between principals: one token must not take the host. Per principal (issuer, subject
// and client: Caller::key()) it bounds the sessions open at once (and with them the stdio children
// they own), the requests being answered at once, and the request rate (a token bucket), plus a
// rate per tool for tools/call. The table is sharded, bounded, and forgets idle principals.
//
// Time is passed in (steady clock), so tests drive it without sleeping.
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "config/gateway_config.hpp"
#include "core/result.hpp"
#include "gateway/shared_rate.hpp"
#include "gateway/token_bucket.hpp"

namespace mcpgate::gateway {

enum class LimitRefusal {
  rate_limited,       // the principal's request rate
  rate_limited_tool,  // the principal's rate for one tool
  quota_sessions,
  quota_concurrency,
  quota_principals,  // the table is full of principals that are all busy
  kCount
};
const char* refusal_name(LimitRefusal r);

struct Refused {
  LimitRefusal reason;
  long long retry_after_seconds = 1;
};

class PrincipalLimiter : public std::enable_shared_from_this<PrincipalLimiter> {
  struct Entry;

 public:
  using time_point = std::chrono::steady_clock::time_point;

  // Held while something counted runs (a request being answered, a session being open); gives
  // its place back when destroyed.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&&) noexcept = default;
    Slot& operator=(Slot&& o) noexcept {
      if (this != &o) {
        release();
        owner_ = std::move(o.owner_);
        entry_ = std::move(o.entry_);
        session_ = o.session_;
      }
      return *this;
    }
    ~Slot() { release(); }
    void release();

   private:
    friend class PrincipalLimiter;
    Slot(std::shared_ptr<PrincipalLimiter> owner, std::shared_ptr<Entry> entry, bool session)
        : owner_(std::move(owner)), entry_(std::move(entry)), session_(session) {}
    std::shared_ptr<PrincipalLimiter> owner_;
    std::shared_ptr<Entry> entry_;
    bool session_ = false;
  };

  // With `shared`, the request and tool rates are counted there (with the other replicas); this
  // process's buckets count only while it cannot answer.
  static std::shared_ptr<PrincipalLimiter> create(config::PrincipalLimits limits,
                                                  std::shared_ptr<SharedRateStore> shared = nullptr) {
    return std::shared_ptr<PrincipalLimiter>(new PrincipalLimiter(std::move(limits), std::move(shared)));
  }

  // A request of `key` starts: takes a token from its bucket (and, for tools/call, from the
  // tool's) and, when `concurrent`, a concurrency place (a notification takes none: it is
  // answered at once, and a cancellation must get through to free places).
  [[nodiscard]] expected<Slot, Refused> begin_request(const std::string& key, std::string_view tool, time_point now,
                                                      bool concurrent = true);
  // A session of `key` opens.
  [[nodiscard]] expected<Slot, Refused> open_session(const std::string& key, time_point now);
  // Forgets principals with nothing open and full buckets, idle for longer than idle_expiry.
  void sweep(time_point now);

  // Whether begin_request for this tool ("" for anything but tools/call) makes a round trip to a
  // shared store (then callers make it off the serving threads). Not when no rate applies: the
  // hop to another thread alone costs more than the rest of the admission.
  bool shared(std::string_view tool) const {
    return shared_ != nullptr && (limits_.requests.enabled() || (!tool.empty() && tool_rate(tool).enabled()));
  }
  const config::PrincipalLimits& limits() const { return limits_; }
  std::size_t principals() const { return count_.load(std::memory_order_relaxed); }
  std::uint64_t refused(LimitRefusal r) const { return refused_[static_cast<int>(r)].load(std::memory_order_relaxed); }

 private:
  PrincipalLimiter(config::PrincipalLimits limits, std::shared_ptr<SharedRateStore> shared);
  struct SharedAnswer {
    std::optional<SharedRateStore::duration> requests, tool;  // nothing: not asked, or no answer
  };
  // The shared buckets' answers for one request (outside any shard lock: a round trip).
  SharedAnswer take_shared(const std::string& key, std::string_view tool);
  static constexpr std::size_t kShards = 16;
  // Per principal, a bound on the per-tool buckets: tool names come from the client.
  static constexpr std::size_t kMaxToolBuckets = 256;
  struct Entry {
    explicit Entry(const config::PrincipalLimits& l, time_point now)
        : requests(l.requests.per_second, l.requests.burst, now), last_seen(now) {}
    TokenBucket requests;
    std::unordered_map<std::string, TokenBucket> tools;
    std::size_t sessions = 0;
    std::size_t in_flight = 0;
    time_point last_seen;
    std::size_t shard = 0;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<Entry>> map;
  };
  // The entry of `key`, created if needed (null when the shard is full of busy principals).
  std::shared_ptr<Entry> entry(Shard& shard, std::size_t index, const std::string& key, time_point now);
  void sweep_shard(Shard& shard, time_point now, bool any_age);
  const config::RateLimit& tool_rate(std::string_view tool) const;
  Refused refuse(LimitRefusal r, long long retry_after = 1);

  config::PrincipalLimits limits_;
  std::shared_ptr<SharedRateStore> shared_;
  std::size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::size_t> count_{0};
  std::array<std::atomic<std::uint64_t>, static_cast<int>(LimitRefusal::kCount)> refused_{};
};

}  // namespace mcpgate::gateway
