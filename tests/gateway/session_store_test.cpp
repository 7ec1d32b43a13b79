#include <gtest/gtest.h>

#include <algorithm>

#include "gateway/session.hpp"

namespace mcpgate::gateway {
namespace {

std::shared_ptr<FrontSession> session(std::string id, std::int64_t last_used_ms = 0) {
  auto s = std::make_shared<FrontSession>();
  s->id = std::move(id);
  s->last_used_ms = last_used_ms;
  return s;
}

std::string numbered(int i) {
  std::string s = std::to_string(i);
  s.insert(s.begin(), 's');
  return s;
}

std::vector<std::string> ids(const std::vector<std::shared_ptr<FrontSession>>& v) {
  std::vector<std::string> out;
  for (auto& s : v) out.push_back(s->id);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SessionStore, FindAndErase) {
  SessionStore store(10);
  auto a = session("a");
  ASSERT_TRUE(store.insert(a));
  EXPECT_EQ(store.find("a"), a);
  EXPECT_EQ(store.find("b"), nullptr);
  EXPECT_EQ(store.erase("a"), a);
  EXPECT_EQ(store.find("a"), nullptr);
  EXPECT_EQ(store.erase("a"), nullptr);
  EXPECT_EQ(store.size(), 0u);
}

TEST(SessionStore, CapacityIsABound) {
  SessionStore store(2);
  EXPECT_TRUE(store.insert(session("a")));
  EXPECT_TRUE(store.insert(session("b")));
  EXPECT_FALSE(store.insert(session("c")));
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.find("c"), nullptr);
  store.erase("a");
  EXPECT_TRUE(store.insert(session("c"))) << "erasing frees a place";
  EXPECT_EQ(store.size(), 2u);
}

TEST(SessionStore, DuplicateIdIsRefusedAndCostsNoCapacity) {
  // Regression: a second insert under an existing id was reported as success and counted, though
  // the map kept the first session; each such insert leaked one place of the capacity.
  SessionStore store(2);
  auto first = session("same");
  ASSERT_TRUE(store.insert(first));
  EXPECT_FALSE(store.insert(session("same")));
  EXPECT_EQ(store.find("same"), first);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_TRUE(store.insert(session("other")));
  store.erase("same");
  store.erase("other");
  EXPECT_EQ(store.size(), 0u);
}

TEST(SessionStore, TakeIdleRemovesOnlySessionsUsedBeforeTheCutoff) {
  SessionStore store(10);
  store.insert(session("old", 10));
  store.insert(session("older", 5));
  store.insert(session("edge", 25));
  store.insert(session("new", 30));
  EXPECT_EQ(ids(store.take_idle(25)), (std::vector<std::string>{"old", "older"}));
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.find("old"), nullptr);
  EXPECT_NE(store.find("edge"), nullptr) << "used exactly at the cutoff is not idle";
  EXPECT_TRUE(store.take_idle(25).empty());
  EXPECT_EQ(ids(store.take_all()), (std::vector<std::string>{"edge", "new"}));
  EXPECT_EQ(store.size(), 0u);
}

TEST(SessionStore, TakeIdleFreesCapacity) {
  SessionStore store(1);
  store.insert(session("a", 1));
  EXPECT_FALSE(store.insert(session("b", 2)));
  EXPECT_EQ(store.take_idle(2).size(), 1u);
  EXPECT_TRUE(store.insert(session("b", 2)));
}

TEST(SessionStore, TouchingASessionKeepsItAlive) {
  SessionStore store(10);
  store.insert(session("a", 1));
  store.find("a")->last_used_ms = 100;
  EXPECT_TRUE(store.take_idle(50).empty());
}

TEST(SessionStore, ManySessionsAcrossShards) {
  SessionStore store(1000);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(store.insert(session(numbered(i), i)));
  EXPECT_FALSE(store.insert(session("overflow")));
  EXPECT_EQ(store.take_idle(500).size(), 500u);
  EXPECT_EQ(store.size(), 500u);
  for (int i = 500; i < 1000; ++i) EXPECT_NE(store.find(numbered(i)), nullptr);
}

}  // namespace
}  // namespace mcpgate::gateway
