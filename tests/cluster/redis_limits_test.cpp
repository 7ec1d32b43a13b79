// The shared limits in Redis against a private redis-server: rate buckets (GCRA) and attempt
// counters shared by two replicas, and each replica's own counting while Redis is down.
#include <thread>

#include "cluster/redis_attempt_limiter.hpp"
#include "cluster/redis_rate_store.hpp"
#include "gateway/principal_limits.hpp"
#include "redis_support.hpp"

namespace mcpgate::cluster {
namespace {
using namespace std::chrono_literals;
using testing::client_of;

TEST(RedisRateStore, TwoReplicasShareOneBucket) {
  NEED_REDIS();
  auto r = test::RedisInstance::start();
  ASSERT_TRUE(r) << r.error().message;
  RedisRateStore a(client_of(**r), "t:", "crm"), b(client_of(**r), "t:", "crm");
  // 0.01 token a second: nothing refills during the test.
  for (int i = 0; i < 5; ++i) {
    auto w = (i % 2 ? b : a).take("alice", 0.01, 5);
    ASSERT_TRUE(w);
    EXPECT_EQ(*w, gateway::SharedRateStore::duration::zero()) << i;
  }
  auto refused = b.take("alice", 0.01, 5);
  ASSERT_TRUE(refused);
  EXPECT_GT(*refused, 90s);  // a token every 100 s
  EXPECT_LE(*refused, 100s);
  EXPECT_EQ(a.take("bob", 0.01, 5), gateway::SharedRateStore::duration::zero()) << "another principal";
  RedisRateStore other_endpoint(client_of(**r), "t:", "billing");
  EXPECT_EQ(other_endpoint.take("alice", 0.01, 5), gateway::SharedRateStore::duration::zero())
      << "another endpoint's limits are its own";
}

TEST(RedisRateStore, ConcurrentTakersNeverExceedTheBurst) {
  NEED_REDIS();
  auto r = test::RedisInstance::start();
  ASSERT_TRUE(r) << r.error().message;
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      RedisRateStore s(client_of(**r), "t:", "crm");
      for (int k = 0; k < 10; ++k)
        if (auto w = s.take("alice", 0.01, 7); w && *w == gateway::SharedRateStore::duration::zero()) ++taken;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(taken.load(), 7);
}

TEST(RedisRateStore, PrincipalLimitersOnTwoReplicasAndTheFallbackWhileRedisIsDown) {
  NEED_REDIS();
  auto r = test::RedisInstance::start();
  ASSERT_TRUE(r) << r.error().message;
  config::PrincipalLimits l;
  l.requests = {0.01, 4};
  auto ca = client_of(**r), cb = client_of(**r);
  auto a = gateway::PrincipalLimiter::create(l, std::make_shared<RedisRateStore>(ca, "t:", "crm"));
  auto b = gateway::PrincipalLimiter::create(l, std::make_shared<RedisRateStore>(cb, "t:", "crm"));
  gateway::PrincipalLimiter::time_point t{};
  for (int i = 0; i < 4; ++i) ASSERT_TRUE((i % 2 ? b : a)->begin_request("alice", "", t, false)) << i;
  auto refused = a->begin_request("alice", "", t, false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason, gateway::LimitRefusal::rate_limited);
  (*r)->stop();
  // Down: each replica limits with its own bucket (which has counted nothing yet).
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(b->begin_request("carol", "", t, false)) << i;
  EXPECT_FALSE(b->begin_request("carol", "", t, false));
  ASSERT_TRUE((*r)->restart());
  // A connection from before the restart fails its next command (that request is counted by the
  // replica) and reconnects on the one after: here that first command is a PING.
  (void)ca->ping();
  (void)cb->ping();
  // Back (an empty Redis: this instance keeps nothing): shared again.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE((i % 2 ? b : a)->begin_request("dave", "", t, false)) << i;
  EXPECT_FALSE(a->begin_request("dave", "", t, false));
}

TEST(RedisAttemptLimiter, FailuresAtOneReplicaCountAtAnother) {
  NEED_REDIS();
  auto r = test::RedisInstance::start();
  ASSERT_TRUE(r) << r.error().message;
  RedisAttemptLimiter a(client_of(**r), "t:", "login_user", 3, 900s), b(client_of(**r), "t:", "login_user", 3, 900s);
  auto now = std::chrono::system_clock::now();
  a.record("u:alice", now);
  b.record("u:alice", now);
  EXPECT_TRUE(a.allowed("u:alice", now));
  a.record("u:alice", now);
  EXPECT_FALSE(b.allowed("u:alice", now)) << "three failures over two replicas reach the limit of three";
  EXPECT_TRUE(b.allowed("u:bob", now));
  auto keys = client_of(**r)->command({"KEYS", "t:as:attempts:*"});
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->elements.size(), 1u);
  EXPECT_EQ(keys->elements[0].str.find("alice"), std::string::npos) << "no username in Redis";
  auto ttl = client_of(**r)->command({"TTL", keys->elements[0].str});
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer, 0);
  b.reset("u:alice");
  EXPECT_TRUE(a.allowed("u:alice", now));
}

TEST(RedisAttemptLimiter, DownRedisFallsBackToTheReplicasOwnCount) {
  NEED_REDIS();
  auto r = test::RedisInstance::start();
  ASSERT_TRUE(r) << r.error().message;
  RedisAttemptLimiter a(client_of(**r), "t:", "login_ip", 2, 900s);
  auto now = std::chrono::system_clock::now();
  (*r)->stop();
  a.record("ip:1", now);
  EXPECT_TRUE(a.allowed("ip:1", now));
  a.record("ip:1", now);
  EXPECT_FALSE(a.allowed("ip:1", now)) << "still limited while Redis is down";
}

}  // namespace
}  // namespace mcpgate::cluster
