// The authorization server's blocking pool: work runs off the serving thread and the request
// resumes on it; the pool admits a bounded number of requests and refuses the rest at once with
// 503 temporarily_unavailable and Retry-After.
#include "authserver/blocking_pool.hpp"

#include <boost/json.hpp>
#include <future>

#include "harness.hpp"

namespace mcpgate::authserver::testing {
namespace {
namespace asio = boost::asio;

TEST(BlockingPool, WorkRunsOnThePoolAndTheCoroutineResumesOnItsOwnExecutor) {
  BlockingPool pool(BlockingPoolOptions{2, 4, 0});
  asio::io_context io;
  std::thread::id serving, worker, resumed;
  asio::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        serving = std::this_thread::get_id();
        int v = co_await pool.run([&] {
          worker = std::this_thread::get_id();
          return 42;
        });
        EXPECT_EQ(v, 42);
        resumed = std::this_thread::get_id();
      },
      asio::detached);
  io.run();
  EXPECT_NE(worker, serving);
  EXPECT_EQ(resumed, serving);
}

TEST(BlockingPool, AdmitsAtMostMaxPendingAndFreesThePlaceWithTheTicket) {
  BlockingPool pool(BlockingPoolOptions{1, 2, 0});
  auto a = pool.admit();
  auto b = pool.admit();
  EXPECT_TRUE(a);
  EXPECT_TRUE(b);
  {
    auto c = pool.admit();
    EXPECT_FALSE(c);
  }
  EXPECT_EQ(pool.rejected(), 1u);
  EXPECT_EQ(pool.pending(), 2u);
  { auto gone = std::move(a); }
  EXPECT_EQ(pool.pending(), 1u);
  EXPECT_TRUE(pool.admit());
}

// Regression: a request frame destroyed with its io_context after the authorization server (so
// after the pool) released its place into freed memory (ASan: heap-use-after-free in
// Ticket::~Ticket). Tickets now share the counters with the pool.
TEST(BlockingPool, ATicketMayOutliveItsPool) {
  BlockingPool::Ticket t;
  {
    BlockingPool pool(BlockingPoolOptions{1, 1, 0});
    t = pool.admit();
    EXPECT_TRUE(t);
  }
  t = BlockingPool::Ticket();  // must not touch the destroyed pool
  EXPECT_FALSE(t);
}

// A metadata document fetch that hangs until the test lets it go: the request that waits on it
// holds its place in the pool.
class GatedFetcher final : public MetadataFetcher {
 public:
  std::promise<std::pair<asio::any_io_executor, asio::steady_timer*>> timer;
  net::awaitable<Result<std::string>> fetch(std::string) override {
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::hours(1));
    timer.set_value({t.get_executor(), &t});
    co_await t.async_wait(net::as_tuple_awaitable);
    co_return fail("released");
  }
};

// The pool is full: a token request is refused at once with 503 temporarily_unavailable and
// Retry-After (RFC 6749 §4.1.2.1, RFC 9110 §10.2.3) instead of waiting in an unbounded queue;
// once the place is free, requests are served again.
TEST(BlockingPool, FullPoolAnswers503TemporarilyUnavailableWithRetryAfter) {
  auto f = std::make_shared<GatedFetcher>();
  Harness h(
      [](Options& o) {
        o.blocking_threads = 1;
        o.max_pending_requests = 1;
      },
      f);
  auto hold = std::async(std::launch::async, [&] {
    return h.get(h.authorize_url({{"client_id", "https://client.example.com/oauth/client.json"}}));
  });
  auto [exec, timer] = f->timer.get_future().get();  // the first request now holds the only place
  auto busy = h.post("/token", "grant_type=client_credentials&resource=" + percent_encode(h.resource),
                     {{"Authorization", "Basic " + base64_encode("conf:s3cr%t+x")}});
  EXPECT_EQ(busy.status, 503u) << busy.body;
  EXPECT_EQ(busy.header("retry-after"), "1");
  auto body = boost::json::parse(busy.body).as_object();
  EXPECT_EQ(body.at("error").as_string(), "temporarily_unavailable");
  EXPECT_NE(h.as->metrics_text().find("mcpgate_authserver_busy_total 1\n"), std::string::npos);
  asio::post(exec, [t = timer] { t->cancel(); });
  EXPECT_EQ(hold.get().status, 400u);  // the document could not be fetched: shown, not redirected
  auto ok = h.post("/token", "grant_type=client_credentials&resource=" + percent_encode(h.resource),
                   {{"Authorization", "Basic " + base64_encode("conf:s3cr%t+x")}});
  EXPECT_EQ(ok.status, 200u) << ok.body;
}

// Regression: a periodic revocation reload that found the pool full was dropped but stayed marked
// as running, so no reload ever ran again and tokens revoked at another replica stayed accepted
// here until they expired.
TEST(BlockingPool, ARevocationReloadDroppedByAFullPoolRunsAtTheNextBeat) {
  auto f = std::make_shared<GatedFetcher>();
  Harness h(
      [](Options& o) {
        o.blocking_threads = 1;
        o.max_pending_requests = 1;
        o.revocation_reload_interval = std::chrono::seconds(5);
      },
      f);
  auto hold = std::async(std::launch::async, [&] {
    return h.get(h.authorize_url({{"client_id", "https://client.example.com/oauth/client.json"}}));
  });
  auto [exec, timer] = f->timer.get_future().get();  // the only place is taken
  h.clock.advance(std::chrono::seconds(6));
  h.as->maintain();  // the reload is due and dropped
  asio::post(exec, [t = timer] { t->cancel(); });
  EXPECT_EQ(hold.get().status, 400u);
  // Revoked through another process on the same store.
  ASSERT_TRUE(h.as->store().revoke_jti("revoked-elsewhere", h.clock.t.load() + 300));
  h.clock.advance(std::chrono::seconds(6));
  h.as->maintain();
  // The reload runs on the pool: wait for its effect (bounded), not for a fixed time.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!h.as->is_revoked("revoked-elsewhere") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(h.as->is_revoked("revoked-elsewhere"));
}

}  // namespace
}  // namespace mcpgate::authserver::testing
