// Per-principal quotas and rates: one principal is stopped, another is not; slots come back; the
// table forgets idle principals and stays bounded. Time is a value the test moves.
#include "gateway/principal_limits.hpp"

#include <gtest/gtest.h>

namespace mcpgate::gateway {
namespace {
using namespace std::chrono_literals;
using tp = PrincipalLimiter::time_point;

config::PrincipalLimits small() {
  config::PrincipalLimits l;
  l.max_sessions = 2;
  l.max_concurrent_requests = 3;
  l.requests = {1, 5};
  l.tool_calls = {1, 2};
  l.idle_expiry = 60s;
  return l;
}

TEST(PrincipalLimiter, SessionQuotaStopsOnePrincipalNotAnother) {
  auto lim = PrincipalLimiter::create(small());
  tp t{};
  auto a1 = lim->open_session("alice", t);
  auto a2 = lim->open_session("alice", t);
  ASSERT_TRUE(a1 && a2);
  auto a3 = lim->open_session("alice", t);
  ASSERT_FALSE(a3);
  EXPECT_EQ(a3.error().reason, LimitRefusal::quota_sessions);
  EXPECT_GE(a3.error().retry_after_seconds, 1);
  EXPECT_TRUE(lim->open_session("bob", t));
  a1->release();  // a closed session gives its place back
  EXPECT_TRUE(lim->open_session("alice", t));
  EXPECT_EQ(lim->refused(LimitRefusal::quota_sessions), 1u);
}

TEST(PrincipalLimiter, ConcurrencyQuotaCountsRequestsBeingAnswered) {
  auto lim = PrincipalLimiter::create(small());
  tp t{};
  std::vector<PrincipalLimiter::Slot> held;
  for (int i = 0; i < 3; ++i) {
    auto s = lim->begin_request("alice", "", t);
    ASSERT_TRUE(s) << i;
    held.push_back(std::move(*s));
  }
  auto refused = lim->begin_request("alice", "", t);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason, LimitRefusal::quota_concurrency);
  // A notification (a cancellation, say) is not a request being answered: it gets through.
  EXPECT_TRUE(lim->begin_request("alice", "", t, false));
  held.pop_back();
  EXPECT_TRUE(lim->begin_request("alice", "", t));
}

TEST(PrincipalLimiter, RateLimitRefusesPastTheBurstWithRetryAfter) {
  auto lim = PrincipalLimiter::create(small());  // 1/s, burst 5
  tp t{};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(lim->begin_request("alice", "", t)) << i;
  auto r = lim->begin_request("alice", "", t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, LimitRefusal::rate_limited);
  EXPECT_EQ(r.error().retry_after_seconds, 1);
  EXPECT_TRUE(lim->begin_request("bob", "", t));         // another principal has its own bucket
  EXPECT_TRUE(lim->begin_request("alice", "", t + 1s));  // and the bucket refills
}

TEST(PrincipalLimiter, ToolRateIsPerToolAndOverridableByPattern) {
  auto l = small();
  l.requests = {};  // only the per-tool rate here
  l.tool_overrides.push_back({{"cheap_*"}, {}});
  l.tool_overrides.push_back({{"slow"}, {0.1, 1}});
  auto lim = PrincipalLimiter::create(l);
  tp t{};
  EXPECT_TRUE(lim->begin_request("alice", "search", t));
  EXPECT_TRUE(lim->begin_request("alice", "search", t));
  auto r = lim->begin_request("alice", "search", t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, LimitRefusal::rate_limited_tool);
  EXPECT_TRUE(lim->begin_request("alice", "fetch", t));  // another tool, another bucket
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(lim->begin_request("alice", "cheap_echo", t)) << i;  // no limit
  EXPECT_TRUE(lim->begin_request("alice", "slow", t));
  auto s = lim->begin_request("alice", "slow", t);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().retry_after_seconds, 10);
}

TEST(PrincipalLimiter, IdlePrincipalsAreForgottenBusyOnesAreNot) {
  auto lim = PrincipalLimiter::create(small());
  tp t{};
  auto session = lim->open_session("alice", t);
  // The slot is dropped at once on purpose: bob made a request and is idle from then on.
  (void)lim->begin_request("bob", "", t);
  EXPECT_EQ(lim->principals(), 2u);
  lim->sweep(t + 30s);
  EXPECT_EQ(lim->principals(), 2u);  // not idle long enough
  lim->sweep(t + 2min);
  EXPECT_EQ(lim->principals(), 1u);  // bob forgotten; alice holds a session
  session->release();
  lim->sweep(t + 10min);
  EXPECT_EQ(lim->principals(), 0u);
}

TEST(PrincipalLimiter, TheTableIsBoundedByMaxPrincipals) {
  auto l = small();
  l.max_principals = 16;  // one per shard
  auto lim = PrincipalLimiter::create(l);
  tp t{};
  std::vector<PrincipalLimiter::Slot> busy;
  std::size_t refused = 0;
  for (int i = 0; i < 200; ++i) {
    auto s = lim->open_session(std::to_string(1000 + i), t);  // (not "p" + …: a g++ 12 -O3 false warning)
    if (s) {
      busy.push_back(std::move(*s));
    } else {
      ++refused;
      EXPECT_EQ(s.error().reason, LimitRefusal::quota_principals);
    }
  }
  EXPECT_LE(lim->principals(), 16u);
  EXPECT_GT(refused, 0u);
  busy.clear();
  // Principals with nothing open and full buckets give their places to new ones at once.
  EXPECT_TRUE(lim->open_session("late", t));
}

TEST(PrincipalLimiter, AFullTableKeepsPrincipalsWhoseBucketsAreNotFull) {
  // Forgetting a principal that just spent its burst would hand it a fresh one.
  auto l = small();
  l.max_principals = 16;
  auto lim = PrincipalLimiter::create(l);
  tp t{};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(lim->begin_request("alice", "", t));
  for (int i = 0; i < 200; ++i) (void)lim->begin_request(std::to_string(1000 + i), "", t);
  auto r = lim->begin_request("alice", "", t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, LimitRefusal::rate_limited);
}

}  // namespace
}  // namespace mcpgate::gateway
