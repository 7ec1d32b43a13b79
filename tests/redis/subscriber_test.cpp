// The subscriber against a private redis-server: messages, state changes once each, and a new
// subscription after the server restarts.
#include "redis/subscriber.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "redis/client.hpp"
#include "redis_instance.hpp"

namespace mcpgate::redis {
namespace {
using namespace std::chrono_literals;
using test::RedisInstance;

// What the subscriber's thread reported, waited on with a deadline (no sleeps).
struct Events {
  std::mutex mu;
  std::condition_variable cv;
  int subscribed = 0, downs = 0, ups = 0;
  std::vector<std::string> messages;

  SubscriberCallbacks callbacks() {
    return {[this] { bump([&] { ++subscribed; }); },
            [this](std::string_view ch, std::string_view p) {
              bump([&] { messages.push_back(std::string(ch) + "=" + std::string(p)); });
            },
            [this](bool up, const std::string&) { bump([&] { ++(up ? ups : downs); }); }};
  }
  template <class F>
  void bump(F f) {
    std::lock_guard l(mu);
    f();
    cv.notify_all();
  }
  template <class P>
  bool wait(P pred) {
    std::unique_lock l(mu);
    return cv.wait_for(l, 10s, pred);
  }
};

ConnectOptions options_for(const RedisInstance& r) {
  ConnectOptions o;
  o.endpoint = *parse_url(r.url());
  return o;
}

TEST(RedisSubscriber, ReceivesMessagesAndResubscribesAfterARestart) {
  if (!RedisInstance::installed()) FAIL() << "redis-server is not installed (scripts/setup installs it)";
  auto r = RedisInstance::start();
  ASSERT_TRUE(r) << r.error().message;
  Events ev;
  Subscriber s(options_for(**r), {"a", "b"}, ev.callbacks(), BackoffOptions{10ms, 50ms});
  s.start();
  ASSERT_TRUE(ev.wait([&] { return ev.subscribed == 1; }));
  EXPECT_TRUE(s.subscribed());
  Client pub(options_for(**r));
  ASSERT_TRUE(pub.command({"PUBLISH", "a", "one"}));
  ASSERT_TRUE(pub.command({"PUBLISH", "b", "two"}));
  ASSERT_TRUE(ev.wait([&] { return ev.messages.size() == 2; }));
  EXPECT_EQ(ev.messages[0], "a=one");
  EXPECT_EQ(ev.messages[1], "b=two");

  (*r)->stop();
  ASSERT_TRUE(ev.wait([&] { return ev.downs == 1; }));
  EXPECT_FALSE(s.subscribed());
  ASSERT_TRUE((*r)->restart());
  ASSERT_TRUE(ev.wait([&] { return ev.subscribed == 2; })) << "subscribed again, and told so (to catch up)";
  EXPECT_EQ(ev.ups, 2);
  EXPECT_EQ(ev.downs, 1) << "one report per change, not one per failed attempt";
  auto published = pub.command({"PUBLISH", "a", "three"});
  if (!published) published = pub.command({"PUBLISH", "a", "three"});  // the old connection was closed
  ASSERT_TRUE(published);
  ASSERT_TRUE(ev.wait([&] { return ev.messages.size() == 3; }));
  EXPECT_EQ(ev.messages[2], "a=three");
  s.stop();
}

TEST(RedisSubscriber, StopsAtOnceWhileRedisIsDown) {
  if (!RedisInstance::installed()) FAIL() << "redis-server is not installed (scripts/setup installs it)";
  auto r = RedisInstance::start();
  ASSERT_TRUE(r);
  (*r)->stop();
  Events ev;
  Subscriber s(options_for(**r), {"a"}, ev.callbacks(), BackoffOptions{10s, 10s});
  s.start();
  ASSERT_TRUE(ev.wait([&] { return ev.downs == 1; }));
  auto t0 = std::chrono::steady_clock::now();
  s.stop();  // waiting out a 10 s backoff: the wake pipe ends it
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

}  // namespace
}  // namespace mcpgate::redis
