// The deadlines of plain connections (net/connection_deadline.hpp), from outside: the server's
// request, idle and write timeouts, and a serving thread's client. One timer per connection is
// armed for the earliest deadline it has seen and re-armed when it fires early, so what these
// tests pin is the two ways that can go wrong: a deadline that moved earlier and is not enforced
// (a stalled client keeps its slot), and a timer that fires for an old deadline and cuts a
// connection that is still within its new one.
//
// Every wait is bounded by a receive timeout far longer than the deadline under test, so a broken
// deadline fails an assertion instead of hanging; nothing asserts how long anything took.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <thread>

#include "fake_http_server.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"

namespace mcpgate::net {
namespace {

using namespace std::chrono_literals;
using mcpgate::testing::FakeHttpServer;
using mcpgate::testing::FakeReply;
using mcpgate::testing::FakeRequest;
using mcpgate::testing::run_coroutine;
using steady = std::chrono::steady_clock;

class ServerDeadlines : public ::testing::Test {
 protected:
  void start(ServerLimits limits) {
    server_ = std::make_unique<HttpServer>(
        "127.0.0.1", 0, limits,
        [](Exchange& ex) -> awaitable<void> {
          Response res{http::status::ok, 11};
          if (ex.request().target() == "/huge")
            res.body() = std::string(64 * 1024 * 1024, 'h');
          else
            res.body() = "ok";
          co_await ex.respond(std::move(res));
        },
        1);
    server_->start();
  }
  void TearDown() override {
    if (server_) {
      server_->stop(0ms);
      server_->wait();
    }
  }

  // A blocking client socket whose reads give up after 10 s: far past every deadline here.
  tcp::socket connect() {
    tcp::socket s(io_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    timeval tv{10, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
  }
  static void send(tcp::socket& s, std::string_view bytes) { asio::write(s, asio::buffer(bytes.data(), bytes.size())); }

  // recv(2) itself: Asio's blocking read waits again when SO_RCVTIMEO expires.
  static ssize_t receive(tcp::socket& s, char* buf, std::size_t size) {
    return ::recv(s.native_handle(), buf, size, 0);
  }

  // Reads until the server closes (true) or the 10 s receive timeout (false); `got` collects it.
  static bool closed_by_server(tcp::socket& s, std::string* got = nullptr) {
    char buf[4096];
    for (;;) {
      auto n = receive(s, buf, sizeof buf);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;  // EAGAIN: the receive timeout, the connection stayed
      if (got) got->append(buf, static_cast<std::size_t>(n));
    }
  }

  // Reads one complete "ok" response off a keep-alive connection.
  static bool read_ok(tcp::socket& s) {
    std::string got;
    char buf[4096];
    while (got.find("\r\n\r\nok") == std::string::npos) {
      auto n = receive(s, buf, sizeof buf);
      if (n <= 0) return false;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got.starts_with("HTTP/1.1 200");
  }

  asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
};

// Slowloris: the connection's idle deadline (minutes) is armed first; the request's shorter one,
// set when its first bytes arrive, must take over.
TEST_F(ServerDeadlines, AStalledRequestIsClosedAtTheRequestTimeoutNotTheIdleOne) {
  ServerLimits limits;
  limits.idle_timeout = 600s;
  limits.request_timeout = 200ms;
  start(limits);
  auto s = connect();
  send(s, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhalf");
  std::string got;
  EXPECT_TRUE(closed_by_server(s, &got));
  EXPECT_EQ(got, "") << "a request cut by its deadline gets no answer";
}

TEST_F(ServerDeadlines, AStalledRequestAfterAnsweredOnesIsClosedToo) {
  ServerLimits limits;
  limits.idle_timeout = 600s;
  limits.request_timeout = 200ms;
  start(limits);
  auto s = connect();
  for (int i = 0; i < 3; ++i) {
    send(s, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_TRUE(read_ok(s));
  }
  send(s, "GET / HTTP/1.1\r\nHo");
  EXPECT_TRUE(closed_by_server(s));
}

TEST_F(ServerDeadlines, AnIdleKeepAliveConnectionIsClosedAtTheIdleTimeout) {
  ServerLimits limits;
  limits.idle_timeout = 200ms;
  start(limits);
  auto s = connect();
  send(s, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(read_ok(s));
  EXPECT_TRUE(closed_by_server(s));
}

// The timer armed for the first request's deadline fires while later requests are served: it must
// re-arm for their deadlines, not cut the connection.
TEST_F(ServerDeadlines, AConnectionOutlivesTheDeadlinesOfItsEarlierRequests) {
  ServerLimits limits;
  limits.request_timeout = 50ms;
  limits.write_timeout = 50ms;
  start(limits);
  auto s = connect();
  for (int i = 0; i < 8; ++i) {
    send(s, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_TRUE(read_ok(s)) << "request " << i;
    // Lets the earlier requests' deadlines pass while the connection waits (not a measurement).
    std::this_thread::sleep_for(30ms);
  }
}

// A client that stops reading holds the server's write for the write timeout at most.
TEST_F(ServerDeadlines, AReaderThatStopsReadingIsCutAtTheWriteTimeout) {
  ServerLimits limits;
  limits.write_timeout = 200ms;
  start(limits);
  auto s = connect();
  int small = 4096;
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  send(s, "GET /huge HTTP/1.1\r\nHost: a\r\n\r\n");
  // The first bytes of the answer: the server is writing it now.
  char first[1];
  ASSERT_EQ(receive(s, first, 1), 1);
  ASSERT_EQ(server_->active_connections(), 1u);
  auto until = steady::now() + 10s;
  while (server_->active_connections() > 0 && steady::now() < until) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(server_->active_connections(), 0u) << "the write to a reader that stopped was not cut";
}

// A serving thread's client (one io_context thread) keeps one deadline per connection too.
ClientLimits one_thread_client() {
  ClientLimits limits;
  limits.one_thread = true;
  return limits;
}

std::string fetch_error(std::uint16_t port, steady::time_point deadline, ClientLimits limits) {
  return run_coroutine([&](asio::any_io_executor ex) -> awaitable<std::string> {
    HttpClient client(ex, limits);
    Endpoint ep{"127.0.0.1", port};
    Request req{http::verb::get, "/", 11};
    req.set(http::field::host, "127.0.0.1");
    auto rs = co_await client.send(ep, req, deadline);
    if (!rs) co_return rs.error().message;
    auto all = co_await (*rs)->read_all(deadline);
    co_return all ? std::string("ok") : all.error().message;
  });
}

TEST(ClientDeadlines, AServerThatNeverAnswersFailsAtTheDeadlineAndSaysSo) {
  FakeHttpServer server([](const FakeRequest&) { return FakeReply{"", false, true}; });
  for (auto limits : {ClientLimits{}, one_thread_client()})
    EXPECT_EQ(fetch_error(server.port(), steady::now() + 200ms, limits), "upstream deadline exceeded")
        << "one_thread " << limits.one_thread;
}

TEST(ClientDeadlines, ABodyThatStopsMidwayFailsAtTheDeadlineAndSaysSo) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeReply{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..", false, true};
  });
  for (auto limits : {ClientLimits{}, one_thread_client()})
    EXPECT_EQ(fetch_error(server.port(), steady::now() + 200ms, limits), "upstream deadline exceeded")
        << "one_thread " << limits.one_thread;
}

// A pooled connection whose last request's deadline passed while it sat idle is still good for
// the next request: the old deadline was not enforced on an idle connection.
TEST(ClientDeadlines, APooledConnectionOutlivesTheDeadlineOfItsLastRequest) {
  FakeHttpServer server([](const FakeRequest&) { return FakeReply{FakeHttpServer::response(200, "fine")}; });
  auto result = run_coroutine([&](asio::any_io_executor ex) -> awaitable<std::string> {
    HttpClient client(ex, one_thread_client());
    Endpoint ep{"127.0.0.1", server.port()};
    std::string out;
    for (int i = 0; i < 3; ++i) {
      Request req{http::verb::get, "/", 11};
      req.set(http::field::host, "127.0.0.1");
      auto deadline = steady::now() + 50ms;
      auto rs = co_await client.send(ep, req, deadline);
      if (!rs) co_return rs.error().message;
      auto all = co_await (*rs)->read_all(deadline);
      if (!all) co_return all.error().message;
      out += *all;
      rs->reset();
      // Lets that deadline pass while the connection waits in the pool (not a measurement).
      asio::steady_timer pause(ex, 120ms);
      co_await pause.async_wait(use_awaitable);
    }
    co_return out;
  });
  EXPECT_EQ(result, "finefinefine");
  EXPECT_EQ(server.connections(), 1) << "the pooled connection was reused each time";
}

}  // namespace
}  // namespace mcpgate::net
