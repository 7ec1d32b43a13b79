// ChildTable: which stdio child serves which principal (stdio mode per_principal). Time is passed
// in; children are fakes that say how many requests they hold.
#include "gateway/child_table.hpp"

#include <gtest/gtest.h>

namespace mcpgate::gateway {
namespace {
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

struct FakeChild : ChildHandle {
  std::size_t busy = 0;
  std::size_t in_flight() const override { return busy; }
};

const steady::time_point t0{std::chrono::hours(1)};

ChildPolicy policy(std::size_t max = 64, steady::duration idle = 60s) {
  ChildPolicy p;
  p.max_children = max;
  p.idle_timeout = idle;
  return p;
}

TEST(RenewTime, AFifthOfTheLifeAtMostThirtySeconds) {
  EXPECT_EQ(renew_time(t0, t0 + 100s, policy()), t0 + 80s);
  EXPECT_EQ(renew_time(t0, t0 + 3600s, policy()), t0 + 3570s);
  ChildPolicy p = policy();
  p.renew_before = 28'500ms;
  EXPECT_EQ(renew_time(t0, t0 + 30s, p), t0 + 1500ms);
  p.renew_before = 60s;  // longer than the token lives: due at once
  EXPECT_EQ(renew_time(t0, t0 + 30s, p), t0);
}

TEST(ChildTable, OneChildPerPrincipal) {
  ChildTable t(policy());
  auto look = t.lookup("alice", t0);
  EXPECT_TRUE(look.due);
  EXPECT_FALSE(look.child);
  auto a = std::make_shared<FakeChild>();
  auto in = t.install("alice", a, t0 + 300s, t0);
  EXPECT_TRUE(in.installed);
  EXPECT_EQ(in.child, a);
  look = t.lookup("alice", t0 + 1s);
  EXPECT_FALSE(look.due);
  EXPECT_EQ(look.child, a);
  EXPECT_TRUE(t.lookup("bob", t0 + 1s).due) << "another principal never gets alice's child";
  EXPECT_FALSE(t.lookup("bob", t0 + 1s).child);
}

TEST(ChildTable, AConcurrentStartKeepsTheFirstChild) {
  ChildTable t(policy());
  auto a1 = std::make_shared<FakeChild>(), a2 = std::make_shared<FakeChild>();
  ASSERT_TRUE(t.install("alice", a1, t0 + 300s, t0).installed);
  auto in = t.install("alice", a2, t0 + 301s, t0);
  EXPECT_FALSE(in.installed);
  EXPECT_EQ(in.child, a1);
  EXPECT_EQ(t.size(), 1u);
}

TEST(ChildTable, MaxChildrenRefusesANewPrincipalOnly) {
  ChildTable t(policy(2));
  ASSERT_TRUE(t.install("alice", std::make_shared<FakeChild>(), t0 + 300s, t0).installed);
  ASSERT_TRUE(t.install("bob", std::make_shared<FakeChild>(), t0 + 300s, t0).installed);
  auto look = t.lookup("carol", t0);
  EXPECT_TRUE(look.due);
  EXPECT_FALSE(look.room);
  EXPECT_FALSE(t.install("carol", std::make_shared<FakeChild>(), t0 + 300s, t0).child);
  // A replacement of alice's child is not a new principal: allowed even at the limit.
  auto fresh = std::make_shared<FakeChild>();
  EXPECT_TRUE(t.install("alice", fresh, t0 + 600s, t0 + 290s).installed);
  EXPECT_EQ(t.size(), 3u) << "the replaced child drains";
  // Once children stop, a new principal gets one.
  t.sweep(t0 + 291s);  // the drained child stops (nothing in flight)
  EXPECT_TRUE(t.lookup("carol", t0 + 291s).room);
}

TEST(ChildTable, ReplacedBeforeExpiryThenTheOldOneDrains) {
  ChildTable t(policy());
  auto old = std::make_shared<FakeChild>();
  t.install("alice", old, t0 + 100s, t0);  // renew at t0 + 80 s
  EXPECT_FALSE(t.lookup("alice", t0 + 79s).due);
  auto look = t.lookup("alice", t0 + 80s, "token-1");
  EXPECT_TRUE(look.due);
  EXPECT_EQ(look.child, old);
  old->busy = 1;  // a request still in flight on the old child
  auto fresh = std::make_shared<FakeChild>();
  ASSERT_TRUE(t.install("alice", fresh, t0 + 180s, t0 + 80s, "token-1").installed);
  EXPECT_EQ(t.lookup("alice", t0 + 81s).child, fresh) << "new requests go to the new child";
  EXPECT_EQ(t.children_of("alice"), (std::vector<ChildTable::Handle>{fresh, old}));
  EXPECT_TRUE(t.sweep(t0 + 82s).empty()) << "the old child finishes its request first";
  old->busy = 0;
  EXPECT_EQ(t.sweep(t0 + 83s), (std::vector<ChildTable::Handle>{old}));
  EXPECT_EQ(t.children_of("alice"), (std::vector<ChildTable::Handle>{fresh}));
}

TEST(ChildTable, ADrainingChildStopsAtItsTokensExpiryWhateverItHolds) {
  ChildTable t(policy());
  auto old = std::make_shared<FakeChild>();
  t.install("alice", old, t0 + 100s, t0);
  old->busy = 3;
  t.install("alice", std::make_shared<FakeChild>(), t0 + 200s, t0 + 85s);
  EXPECT_TRUE(t.sweep(t0 + 99s).empty());
  EXPECT_EQ(t.sweep(t0 + 100s), (std::vector<ChildTable::Handle>{old}));
}

TEST(ChildTable, NoFresherTokenKeepsTheChildAndIsNotAskedAgainWithTheSameSubjectToken) {
  ChildTable t(policy());
  auto a = std::make_shared<FakeChild>();
  t.install("alice", a, t0 + 100s, t0, "token-1");
  ASSERT_TRUE(t.lookup("alice", t0 + 90s, "token-1").due);
  // The exchange gave a token bounded by the same subject token: same expiry.
  auto in = t.install("alice", std::make_shared<FakeChild>(), t0 + 100s, t0 + 90s, "token-1");
  EXPECT_FALSE(in.installed);
  EXPECT_EQ(in.child, a);
  EXPECT_FALSE(t.lookup("alice", t0 + 91s, "token-1").due) << "no exchange on every request";
  EXPECT_TRUE(t.lookup("alice", t0 + 91s, "token-2").due) << "a refreshed client token is worth a try";
  auto b = std::make_shared<FakeChild>();
  EXPECT_TRUE(t.install("alice", b, t0 + 191s, t0 + 91s, "token-2").installed);
  EXPECT_TRUE(t.lookup("alice", t0 + 100s, "token-1").child == b);
}

// Regression: after a step-up (the user's new token carries mcp:write) the principal's child kept
// the token exchanged from the old, read-only one until its renewal, so the write the user had
// just consented to was refused by the upstream. A changed grant replaces the child at once,
// whatever the expiries; the old one drains.
TEST(ChildTable, AChangedGrantReplacesTheChildAtOnce) {
  ChildTable t(policy());
  auto read = std::make_shared<FakeChild>(), write = std::make_shared<FakeChild>();
  read->busy = 1;
  ASSERT_TRUE(t.install("alice", read, t0 + 300s, t0, "token-1", "mcp:read").installed);
  EXPECT_FALSE(t.lookup("alice", t0 + 1s, "token-1", "mcp:read").due);
  auto look = t.lookup("alice", t0 + 1s, "token-2", "mcp:read mcp:write");
  EXPECT_TRUE(look.due);
  EXPECT_EQ(look.child, read);
  // The new token expires no later than the old one (issued the same second): still replaced.
  auto in = t.install("alice", write, t0 + 300s, t0 + 1s, "token-2", "mcp:read mcp:write");
  EXPECT_TRUE(in.installed);
  EXPECT_EQ(in.child, write);
  auto children = t.children_of("alice");
  ASSERT_EQ(children.size(), 2u);
  EXPECT_EQ(children[0], write);
  EXPECT_EQ(children[1], read) << "the old child drains what it holds";
  // And back: a request with the narrower token does not run on the broader child.
  EXPECT_TRUE(t.lookup("alice", t0 + 2s, "token-1", "mcp:read").due);
  EXPECT_FALSE(t.lookup("alice", t0 + 2s, "token-2", "mcp:read mcp:write").due);
}

TEST(ChildTable, AnExpiredChildIsDueWhateverTheSubject) {
  ChildTable t(policy());
  t.install("alice", std::make_shared<FakeChild>(), t0 + 100s, t0, "token-1");
  t.install("alice", std::make_shared<FakeChild>(), t0 + 100s, t0 + 90s, "token-1");
  EXPECT_TRUE(t.lookup("alice", t0 + 100s, "token-1").due);
}

TEST(ChildTable, IdleChildrenStop) {
  ChildTable t(policy(64, 10s));
  auto a = std::make_shared<FakeChild>(), b = std::make_shared<FakeChild>();
  t.install("alice", a, t0 + 300s, t0);
  t.install("bob", b, t0 + 300s, t0);
  t.lookup("bob", t0 + 5s);  // bob used it since
  EXPECT_EQ(t.sweep(t0 + 10s), (std::vector<ChildTable::Handle>{a}));
  EXPECT_EQ(t.principals(), 1u);
  b->busy = 1;  // a long request is not idleness
  EXPECT_TRUE(t.sweep(t0 + 60s).empty());
  b->busy = 0;
  EXPECT_EQ(t.sweep(t0 + 60s), (std::vector<ChildTable::Handle>{b}));
  EXPECT_TRUE(t.lookup("alice", t0 + 61s).due) << "the next request starts a new one";
}

TEST(ChildTable, AChildWhoseTokenExpiredStopsWhenIdle) {
  ChildTable t(policy(64, 3600s));
  auto a = std::make_shared<FakeChild>();
  t.install("alice", a, t0 + 100s, t0);
  EXPECT_TRUE(t.sweep(t0 + 99s).empty());
  EXPECT_EQ(t.sweep(t0 + 100s), (std::vector<ChildTable::Handle>{a}));
}

TEST(ChildTable, TakeAllEmptiesTheTable) {
  ChildTable t(policy());
  t.install("alice", std::make_shared<FakeChild>(), t0 + 100s, t0);
  t.install("alice", std::make_shared<FakeChild>(), t0 + 200s, t0 + 90s);
  EXPECT_EQ(t.take_all().size(), 2u);
  EXPECT_EQ(t.size(), 0u);
}

}  // namespace
}  // namespace mcpgate::gateway
