// The sign-in state in Redis against a private redis-server: the contract of the in-process
// store (tests/authserver/login_state_test.cpp), shared by two replicas, single use under
// concurrency from separate connections, and an outage answered as an error, not a crash.
#include "cluster/redis_login_state.hpp"

#include <thread>

#include "redis_support.hpp"

namespace mcpgate::cluster {
namespace {
using authserver::Pending;
using authserver::Session;
using testing::client_of;

Pending pending(authserver::Seconds expires_at, std::string session_id = "sid") {
  Pending p;
  p.session_id = std::move(session_id);
  p.client.client_id = "public";
  p.client.redirect_uris = {"http://127.0.0.1/cb"};
  p.redirect_uri = "http://127.0.0.1/cb";
  p.state = "st";
  p.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  p.resource = "http://127.0.0.1/mcp";
  p.scopes = {"mcp:read"};
  p.expires_at = expires_at;
  return p;
}

TEST(RedisLoginState, TwoReplicasSeeOneStateWithTtl) {
  NEED_REDIS();
  auto r = test::RedisInstance::start();
  ASSERT_TRUE(r) << r.error().message;
  RedisLoginState a(client_of(**r), "t:"), b(client_of(**r), "t:");
  ASSERT_TRUE(a.put_session("s1", Session{"csrf", "alice", 5, 1000}, 10));
  ASSERT_TRUE(a.put_pending("r1", pending(600), 10));
  auto s = b.get_session("s1", 10);
  ASSERT_TRUE(s && *s);
  EXPECT_EQ((*s)->csrf, "csrf");
  EXPECT_EQ((*s)->user, "alice");
  auto p = b.get_pending("r1", 10);
  ASSERT_TRUE(p && *p);
  EXPECT_EQ((*p)->state, "st");
  // Redis expires the keys with the entry (its TTL, seconds left).
  auto raw = client_of(**r);
  auto ttl = raw->command({"TTL", "t:as:pending:r1"});
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer, 580);
  EXPECT_LE(ttl->integer, 590);
  // And this replica's clock is the same deadline as in process.
  EXPECT_FALSE(b.get_pending("r1", 600).value().has_value());
  ASSERT_TRUE(b.erase_session("s1"));
  EXPECT_FALSE(a.get_session("s1", 10).value().has_value());
  // Another prefix, another deployment.
  RedisLoginState other(client_of(**r), "u:");
  EXPECT_FALSE(other.get_pending("r1", 10).value().has_value());
}

TEST(RedisLoginState, ReplaceKeepsTheLifetimeAndNeverBringsBackATakenRequest) {
  NEED_REDIS();
  auto r = test::RedisInstance::start();
  ASSERT_TRUE(r) << r.error().message;
  RedisLoginState st(client_of(**r), "t:");
  ASSERT_TRUE(st.put_pending("r", pending(100), 10));
  auto changed = pending(100, "new-sid");
  ASSERT_TRUE(st.replace_pending("r", changed, 10));
  EXPECT_EQ(st.get_pending("r", 10).value()->session_id, "new-sid");
  auto ttl = client_of(**r)->command({"TTL", "t:as:pending:r"});
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer, 0) << "KEEPTTL: the request still expires";
  ASSERT_TRUE(st.take_pending("r", 10).value().has_value());
  ASSERT_TRUE(st.replace_pending("r", changed, 10));
  EXPECT_FALSE(st.get_pending("r", 10).value().has_value());
}

// RFC 9700 §4.5 and MCP security best practices ("single-use state"): N replicas (N connections)
// take the same pending request at once; exactly one gets it.
TEST(RedisLoginState, TakeIsSingleUseAcrossConnections) {
  NEED_REDIS();
  auto r = test::RedisInstance::start();
  ASSERT_TRUE(r) << r.error().message;
  constexpr int kTakers = 8;
  std::vector<std::unique_ptr<RedisLoginState>> replicas;
  for (int i = 0; i < kTakers; ++i) replicas.push_back(std::make_unique<RedisLoginState>(client_of(**r), "t:"));
  for (int round = 0; round < 20; ++round) {
    // Built by appending: "r" + std::to_string(…) trips a g++ 12 -O3 false -Wrestrict.
    std::string id = "r";
    id += std::to_string(round);
    ASSERT_TRUE(replicas[0]->put_pending(id, pending(100), 10));
    std::atomic<int> winners{0}, errors{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kTakers; ++i)
      threads.emplace_back([&, i] {
        auto t = replicas[i]->take_pending(id, 10);
        if (!t) ++errors;
        if (t && *t) ++winners;
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(winners.load(), 1) << id;
  }
}

// A client assertion's jti used at one replica is refused at every other (RFC 7523 §3 item 7):
// of 8 connections using one value at once, exactly one succeeds, 20 times over.
TEST(RedisLoginState, UseOnceIsSingleUseAcrossReplicas) {
  NEED_REDIS();
  auto r = test::RedisInstance::start();
  ASSERT_TRUE(r) << r.error().message;
  constexpr int kReplicas = 8;
  std::vector<std::unique_ptr<RedisLoginState>> replicas;
  for (int i = 0; i < kReplicas; ++i) replicas.push_back(std::make_unique<RedisLoginState>(client_of(**r), "t:"));
  for (int round = 0; round < 20; ++round) {
    std::string key = "ca:client:jti-";
    key += std::to_string(round);
    std::atomic<int> first{0}, errors{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kReplicas; ++i)
      threads.emplace_back([&, i] {
        auto u = replicas[i]->use_once(key, 100, 10);
        if (!u) ++errors;
        if (u && *u) ++first;
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(first.load(), 1) << key;
  }
}

TEST(RedisLoginState, MalformedValueIsAnErrorNotASession) {
  NEED_REDIS();
  auto r = test::RedisInstance::start();
  ASSERT_TRUE(r) << r.error().message;
  RedisLoginState st(client_of(**r), "t:");
  ASSERT_TRUE(client_of(**r)->command({"SET", "t:as:session:s", R"({"csrf":"x","user":"admin"})"}));
  EXPECT_FALSE(st.get_session("s", 10));
}

TEST(RedisLoginState, OutageIsAnErrorAndRecoveryNeedsNoRestart) {
  NEED_REDIS();
  auto r = test::RedisInstance::start();
  ASSERT_TRUE(r) << r.error().message;
  RedisLoginState st(client_of(**r), "t:");
  ASSERT_TRUE(st.put_pending("r", pending(100), 10));
  (*r)->stop();
  EXPECT_FALSE(st.get_session("s", 10));
  EXPECT_FALSE(st.put_session("s", Session{"c", "", 0, 100}, 10));
  EXPECT_FALSE(st.take_pending("r", 10));
  ASSERT_TRUE((*r)->restart());
  EXPECT_TRUE(st.put_session("s", Session{"c", "", 0, 100}, 10));
  EXPECT_TRUE(st.get_session("s", 10).value().has_value());
}

}  // namespace
}  // namespace mcpgate::cluster
