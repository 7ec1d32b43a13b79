// The principal limiter over a rate store shared by replicas (shared_rate.hpp): two limiters (two
// replicas) draw from one bucket per principal; while the store cannot answer, each counts in its
// own buckets; the concurrency quota stays per replica.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "gateway/principal_limits.hpp"

namespace mcpgate::gateway {
namespace {
using namespace std::chrono_literals;
using tp = PrincipalLimiter::time_point;

// Token buckets in a map at a time the test sets, as a shared store would hold them.
class FakeSharedRates final : public SharedRateStore {
 public:
  std::optional<duration> take(std::string_view key, double rate, double burst) override {
    std::lock_guard lock(mu);
    ++calls;
    if (down) return std::nullopt;
    auto it = buckets.try_emplace(std::string(key), rate, burst, now).first;
    return it->second.take(now);
  }
  std::mutex mu;
  tp now{};
  bool down = false;
  int calls = 0;
  std::map<std::string, TokenBucket> buckets;
};

config::PrincipalLimits limits() {
  config::PrincipalLimits l;
  l.max_concurrent_requests = 2;
  l.requests = {1, 6};
  l.tool_calls = {1, 2};
  return l;
}

TEST(SharedRate, TwoReplicasDrawFromOneBucketPerPrincipal) {
  auto store = std::make_shared<FakeSharedRates>();
  auto a = PrincipalLimiter::create(limits(), store);
  auto b = PrincipalLimiter::create(limits(), store);
  tp t{};
  // Six requests alternating between the replicas: the burst of one principal, not of each replica.
  for (int i = 0; i < 6; ++i) ASSERT_TRUE((i % 2 ? b : a)->begin_request("alice", "", t, false)) << i;
  auto refused_a = a->begin_request("alice", "", t, false);
  auto refused_b = b->begin_request("alice", "", t, false);
  ASSERT_FALSE(refused_a);
  ASSERT_FALSE(refused_b);
  EXPECT_EQ(refused_a.error().reason, LimitRefusal::rate_limited);
  EXPECT_GE(refused_b.error().retry_after_seconds, 1);
  EXPECT_TRUE(b->begin_request("bob", "", t, false)) << "another principal has its own shared bucket";
}

TEST(SharedRate, ToolRateIsSharedToo) {
  auto store = std::make_shared<FakeSharedRates>();
  auto a = PrincipalLimiter::create(limits(), store);
  auto b = PrincipalLimiter::create(limits(), store);
  tp t{};
  EXPECT_TRUE(a->begin_request("alice", "search", t, false));
  EXPECT_TRUE(b->begin_request("alice", "search", t, false));
  auto r = a->begin_request("alice", "search", t, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, LimitRefusal::rate_limited_tool);
  EXPECT_TRUE(b->begin_request("alice", "fetch", t, false));
}

TEST(SharedRate, UnreachableStoreFallsBackToEachReplicasOwnBuckets) {
  auto store = std::make_shared<FakeSharedRates>();
  store->down = true;
  auto a = PrincipalLimiter::create(limits(), store);
  auto b = PrincipalLimiter::create(limits(), store);
  tp t{};
  // Each replica still limits, at its own share: the burst once per replica.
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(a->begin_request("alice", "", t, false)) << i;
  EXPECT_FALSE(a->begin_request("alice", "", t, false));
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(b->begin_request("alice", "", t, false)) << i;
  EXPECT_FALSE(b->begin_request("alice", "", t, false));
  // Back: the shared bucket counts again.
  store->down = false;
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(a->begin_request("carol", "", t, false)) << i;
  EXPECT_FALSE(b->begin_request("carol", "", t, false));
}

TEST(SharedRate, ConcurrencyQuotaStaysPerReplica) {
  auto store = std::make_shared<FakeSharedRates>();
  auto a = PrincipalLimiter::create(limits(), store);
  auto b = PrincipalLimiter::create(limits(), store);
  tp t{};
  std::vector<PrincipalLimiter::Slot> held;
  for (int i = 0; i < 2; ++i) held.push_back(std::move(*a->begin_request("alice", "", t)));
  auto refused = a->begin_request("alice", "", t);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason, LimitRefusal::quota_concurrency);
  EXPECT_TRUE(b->begin_request("alice", "", t)) << "what replica A answers does not occupy replica B";
}

TEST(SharedRate, ARefusedRequestDoesNotSpendTheToolsToken) {
  auto store = std::make_shared<FakeSharedRates>();
  auto l = limits();
  l.requests = {1, 1};
  auto a = PrincipalLimiter::create(l, store);
  tp t{};
  EXPECT_TRUE(a->begin_request("alice", "search", t, false));
  EXPECT_FALSE(a->begin_request("alice", "search", t, false));  // the request rate refuses
  store->now = t + 1s;
  EXPECT_TRUE(a->begin_request("alice", "search", t + 1s, false))
      << "the tool's bucket (burst 2) still has its second token";
}

}  // namespace
}  // namespace mcpgate::gateway
