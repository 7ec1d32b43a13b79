// The gateway's binding of tasks to principals (2026-07-28 tasks extension, security
// considerations: a task id reaches only the principal whose request created it).
#include "gateway/task_registry.hpp"

#include <gtest/gtest.h>

namespace mcpgate::gateway {
namespace {
using namespace std::chrono_literals;
using Task = TaskRegistry::Task;
const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;

std::string name(const char* prefix, int i) {
  std::string s = prefix;
  s += std::to_string(i);
  return s;
}

TEST(TaskRegistry, OnlyTheOwnerFindsATask) {
  TaskRegistry r(10, 10, 1h);
  ASSERT_TRUE(r.record("t1", Task{"alice", 1, "export"}, 60s, t0));
  auto found = r.find("t1", "alice", t0);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->upstream, 1u);
  EXPECT_EQ(found->tool, "export");
  EXPECT_FALSE(r.find("t1", "mallory", t0));  // foreign: same answer as unknown
  EXPECT_FALSE(r.find("t2", "alice", t0));
}

TEST(TaskRegistry, ExpiresWithTheTasksTtlCappedByMaxTtl) {
  TaskRegistry r(10, 10, 10min);
  r.record("short", Task{"alice", 0, "a"}, 30s, t0);
  r.record("long", Task{"alice", 0, "a"}, 24h, t0);           // capped at 10 min
  r.record("none", Task{"alice", 0, "a"}, std::nullopt, t0);  // no ttlMs: the cap
  EXPECT_TRUE(r.find("short", "alice", t0 + 29s));
  EXPECT_FALSE(r.find("short", "alice", t0 + 30s));
  EXPECT_TRUE(r.find("long", "alice", t0 + 9min));
  EXPECT_FALSE(r.find("long", "alice", t0 + 10min));
  EXPECT_FALSE(r.find("none", "alice", t0 + 10min));
  EXPECT_EQ(r.size(), 0u);
}

TEST(TaskRegistry, AnIdHeldByAnotherPrincipalIsNeverRebound) {
  TaskRegistry r(10, 10, 1h);
  ASSERT_TRUE(r.record("t1", Task{"alice", 0, "a"}, 60s, t0));
  EXPECT_FALSE(r.record("t1", Task{"mallory", 0, "b"}, 60s, t0));
  EXPECT_TRUE(r.find("t1", "alice", t0));
  EXPECT_FALSE(r.find("t1", "mallory", t0));
  // The owner may record it again (a retried answer): the entry is refreshed.
  EXPECT_TRUE(r.record("t1", Task{"alice", 0, "a"}, 120s, t0 + 60s));
  EXPECT_TRUE(r.find("t1", "alice", t0 + 150s));
  EXPECT_EQ(r.size(), 1u);
}

TEST(TaskRegistry, OnePrincipalAtItsCapForgetsOnlyItsOwnOldest) {
  TaskRegistry r(100, 3, 1h);
  r.record("b1", Task{"bob", 0, "a"}, 10s, t0);  // bob's task expires first of all
  for (int i = 0; i < 3; ++i) r.record(name("a", i), Task{"alice", 0, "a"}, std::chrono::seconds(20 + i), t0);
  r.record("a3", Task{"alice", 0, "a"}, 60s, t0);  // alice over her cap of 3
  EXPECT_TRUE(r.find("b1", "bob", t0));            // another principal's task stays
  EXPECT_FALSE(r.find("a0", "alice", t0));         // alice's earliest goes
  EXPECT_TRUE(r.find("a1", "alice", t0));
  EXPECT_TRUE(r.find("a3", "alice", t0));
  EXPECT_EQ(r.size(), 4u);
}

TEST(TaskRegistry, BoundedOverall) {
  TaskRegistry r(3, 10, 1h);
  for (int i = 0; i < 10; ++i) r.record(name("t", i), Task{name("p", i), 0, "a"}, std::chrono::seconds(100 + i), t0);
  EXPECT_EQ(r.size(), 3u);
  EXPECT_TRUE(r.find("t9", "p9", t0));
  EXPECT_FALSE(r.find("t0", "p0", t0));
}

}  // namespace
}  // namespace mcpgate::gateway
