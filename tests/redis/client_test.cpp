// The client against a private redis-server (tests/support/redis_instance).
#include "redis/client.hpp"

#include <gtest/gtest.h>

#include "redis_instance.hpp"

namespace mcpgate::redis {
namespace {
using namespace std::chrono_literals;
using test::RedisInstance;

#define NEED_REDIS() \
  if (!RedisInstance::installed()) FAIL() << "redis-server is not installed (scripts/setup installs it)"

ConnectOptions options_for(const RedisInstance& r, std::string password = {}) {
  ConnectOptions o;
  o.endpoint = *parse_url(r.url());
  o.password = Secret(std::move(password));
  o.connect_timeout = 1000ms;
  o.command_timeout = 1000ms;
  return o;
}

TEST(RedisClient, RunsCommands) {
  NEED_REDIS();
  auto r = RedisInstance::start();
  ASSERT_TRUE(r) << r.error().message;
  Client c(options_for(**r));
  EXPECT_TRUE(c.ping());
  auto set = c.command({"SET", "k", std::string_view("v\0w", 3)});
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_TRUE(set->is_ok());
  auto get = c.command({"GET", "k"});
  ASSERT_TRUE(get);
  EXPECT_EQ(get->str, std::string("v\0w", 3)) << "binary safe";
  auto wrong = c.command({"INCR", "k"});
  ASSERT_TRUE(wrong) << "an error reply is a reply, the connection stays";
  EXPECT_TRUE(wrong->is_error());
  EXPECT_TRUE(c.ping());
}

TEST(RedisClient, SelectsTheDatabaseOfTheUrl) {
  NEED_REDIS();
  auto r = RedisInstance::start();
  ASSERT_TRUE(r);
  auto o = options_for(**r);
  o.endpoint.db = 3;
  Client three(o);
  ASSERT_TRUE(three.command({"SET", "k", "in3"}));
  Client zero(options_for(**r));
  EXPECT_EQ(zero.command({"GET", "k"})->type, Reply::Type::nil);
  EXPECT_EQ(three.command({"GET", "k"})->str, "in3");
}

TEST(RedisClient, ACommandPastItsDeadlineFailsAndTheNextOneReconnects) {
  NEED_REDIS();
  auto r = RedisInstance::start();
  ASSERT_TRUE(r);
  auto o = options_for(**r);
  o.command_timeout = 100ms;
  Client c(o);
  // BLPOP on an empty list blocks for its own timeout (1 s), well past the 100 ms deadline.
  auto blocked = c.command({"BLPOP", "empty", "1"});
  ASSERT_FALSE(blocked);
  EXPECT_NE(blocked.error().message.find("timed out"), std::string::npos) << blocked.error().message;
  EXPECT_TRUE(c.ping()) << "a new connection, not the one with the late reply pending";
}

TEST(RedisClient, ReconnectsAfterTheServerRestarts) {
  NEED_REDIS();
  auto r = RedisInstance::start();
  ASSERT_TRUE(r);
  Client c(options_for(**r));
  ASSERT_TRUE(c.command({"SET", "k", "1"}));
  ASSERT_TRUE((*r)->restart());
  // The old connection is closed: at most one command finds out, the next one reconnects.
  auto first = c.ping();
  EXPECT_TRUE(first || c.ping());
  EXPECT_TRUE(c.ping());
}

TEST(RedisClient, WhileDownFailsFastWithBackoff) {
  NEED_REDIS();
  auto r = RedisInstance::start();
  ASSERT_TRUE(r);
  Client c(options_for(**r), BackoffOptions{10s, 10s});
  (*r)->stop();
  auto first = c.ping();
  ASSERT_FALSE(first);
  auto second = c.ping();
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("unavailable"), std::string::npos)
      << "no new connection attempt during backoff: " << second.error().message;
}

// A wrong or missing password fails on opening, with the server's reason and never the password
// (error messages reach logs and /readyz's log line).
TEST(RedisClient, AuthenticationFailureNamesNoPassword) {
  NEED_REDIS();
  auto r = RedisInstance::start("right-pass-7f3a");
  ASSERT_TRUE(r) << r.error().message;
  Client good(options_for(**r, "right-pass-7f3a"));
  EXPECT_TRUE(good.ping());
  Client wrong(options_for(**r, "wrong-pass-9c1d"));
  auto w = wrong.ping();
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("authentication failed"), std::string::npos) << w.error().message;
  EXPECT_EQ(w.error().message.find("wrong-pass-9c1d"), std::string::npos);
  EXPECT_EQ(w.error().message.find("right-pass-7f3a"), std::string::npos);
  Client none(options_for(**r));
  auto n = none.ping();
  ASSERT_FALSE(n);
  EXPECT_NE(n.error().message.find("NOAUTH"), std::string::npos) << n.error().message;
}

}  // namespace
}  // namespace mcpgate::redis
