// HttpServer and HttpClient over loopback, port 0. Nothing here waits for time to pass: every
// wait is for a byte, an end of stream, or an explicit signal from the other side.
#include "net/http_server.hpp"

#include <gtest/gtest.h>

#include <future>
#include <string>
#include <thread>

#include "net/http_client.hpp"

namespace mcpgate::net {
namespace {

using steady = std::chrono::steady_clock;

// A deadline far enough away that it only matters if something is broken.
steady::time_point generous_deadline() {
  return steady::now() + std::chrono::seconds(30);
}

// Runs on a server thread; the test releases it with open() from its own thread.
struct Gate {
  explicit Gate(asio::any_io_executor ex) : timer(ex) { timer.expires_at(steady::time_point::max()); }
  void open() {
    asio::post(timer.get_executor(), [this] {
      opened = true;
      timer.cancel();
    });
  }
  awaitable<void> wait() {
    while (!opened) co_await timer.async_wait(as_tuple_awaitable);
  }
  asio::steady_timer timer;
  bool opened = false;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void start(ServerLimits limits = {}) {
    server_ = std::make_unique<HttpServer>(
        "127.0.0.1", 0, limits, [this](Exchange& ex) { return handle(ex); }, 1);
    server_->start();
    gate_ = std::make_unique<Gate>(server_->executors()[0]);
  }
  void TearDown() override {
    if (server_) {
      server_->stop(std::chrono::milliseconds(0));
      server_->wait();
    }
  }

  awaitable<void> handle(Exchange& ex) {
    std::string target(ex.request().target());
    if (target == "/throw") throw std::runtime_error("handler bug");
    if (target == "/silent") co_return;
    if (target == "/stream") {
      http::response<http::empty_body> head{http::status::ok, 11};
      head.set(http::field::content_type, "text/event-stream");
      co_await ex.start_stream(std::move(head));
      co_await ex.write_chunk("one");
      // The second chunk is only written once the client proves it has read the first.
      co_await gate_->wait();
      co_await ex.write_chunk("two");
      co_await ex.write_chunk("three");
      co_await ex.end_stream();
      co_return;
    }
    if (target == "/watch") {
      // Streams one chunk and then waits with nothing to write, as an idle SSE stream does: for
      // its client to go away (PeerWatch) or for the test to open the gate.
      http::response<http::empty_body> head{http::status::ok, 11};
      head.set(http::field::content_type, "text/event-stream");
      co_await ex.start_stream(std::move(head));
      co_await ex.write_chunk("one");
      ex.on_peer_gone([this] { gate_->open(); });
      co_await gate_->wait();
      bool gone = ex.peer_gone();
      bool wrote = co_await ex.write_chunk("two");
      co_await ex.end_stream();
      watched_.set_value({gone, wrote});
      co_return;
    }
    if (target == "/wait") {
      // Waits for something other than its client (a slow upstream, say) with nothing written.
      ex.on_peer_gone([this] { gate_->open(); });
      co_await gate_->wait();
      bool gone = ex.peer_gone();
      ex.on_peer_gone(nullptr);
      Response res{http::status::ok, 11};
      res.body() = "waited";
      co_await ex.respond(std::move(res));
      watched_.set_value({gone, !gone});
      co_return;
    }
    if (target == "/big") {
      Response res{http::status::ok, 11};
      res.body() = std::string(4096, 'b');
      co_await ex.respond(std::move(res));
      co_return;
    }
    Response res{http::status::ok, 11};
    res.set("X-Method", std::string(ex.request().method_string()));
    res.body() = "echo:" + target + ":" + ex.request().body();
    co_await ex.respond(std::move(res));
  }

  // Everything the server sends on `s` until it closes.
  static std::string read_until_closed(tcp::socket& s) {
    std::string out;
    error_code ec;
    char buf[4096];
    for (;;) {
      auto n = s.read_some(asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec) break;
    }
    return out;
  }

  // Sends raw bytes on a fresh connection and returns everything the server sends until it closes.
  std::string raw_exchange(std::string_view bytes) {
    asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    asio::write(s, asio::buffer(bytes.data(), bytes.size()));
    return read_until_closed(s);
  }

  // A connection the server has accepted (it counts it) and on which nothing is sent yet; then
  // the drain's first two steps. What a client that connected a moment before SIGTERM meets.
  void connect_then_drain(tcp::socket& s) {
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    for (int i = 0; i < 200 && server_->active_connections() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(server_->active_connections(), 1u);
    server_->begin_drain(std::chrono::milliseconds(1000));
    server_->close_listener();
  }

  void expect_nothing_in_flight_soon() {
    for (int i = 0; i < 200 && server_->in_flight() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(server_->in_flight(), 0u);
  }

  template <class F>
  auto run_client(F f) {
    asio::io_context io;
    auto fut = asio::co_spawn(io, f(io.get_executor()), asio::use_future);
    io.run();
    return fut.get();
  }

  // Sends `request` on `s` and reads until the first chunk ("one") of the /watch stream is in.
  static std::string send_and_read_first_chunk(tcp::socket& s, std::string_view request) {
    asio::write(s, asio::buffer(request.data(), request.size()));
    std::string out;
    char buf[1024];
    while (out.find("one") == std::string::npos) {
      error_code ec;
      auto n = s.read_some(asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec) break;
    }
    return out;
  }

  // A client connection to the server, nothing sent yet.
  tcp::socket connected(asio::io_context& io) {
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    return s;
  }
  // A server that looks at its waiting exchanges every 10 ms instead of every second.
  void start_looking_often() {
    ServerLimits limits;
    limits.waiting_peer_check = std::chrono::milliseconds(10);
    start(limits);
  }

  // What the /watch handler saw once its gate opened: {peer gone, the next write went out}.
  std::future<std::pair<bool, bool>> watched() { return watched_.get_future(); }

  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<Gate> gate_;
  std::promise<std::pair<bool, bool>> watched_;
};

unsigned status_of(const std::string& raw) {
  // "HTTP/1.1 413 ..."
  if (raw.size() < 12 || !raw.starts_with("HTTP/1.")) return 0;
  return static_cast<unsigned>(std::stoi(raw.substr(9, 3)));
}

TEST_F(HttpServerTest, BindsAnEphemeralPort) {
  start();
  EXPECT_NE(server_->port(), 0);
}

TEST_F(HttpServerTest, APortAnotherServerListensOnIsRefused) {
  // SO_REUSEPORT must not let a second server silently share the first one's port.
  start();
  HttpServer second(
      "127.0.0.1", server_->port(), {}, [this](Exchange& ex) { return handle(ex); }, 2);
  try {
    second.start();
    ADD_FAILURE() << "a second server listened on a port in use";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:"), std::string::npos) << e.what();
  }
}

TEST_F(HttpServerTest, BodyOverLimitIs413) {
  ServerLimits l;
  l.max_body_bytes = 1024;
  start(l);
  std::string req = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2048\r\n\r\n" + std::string(2048, 'x');
  EXPECT_EQ(status_of(raw_exchange(req)), 413u);
}

TEST_F(HttpServerTest, ChunkedBodyOverLimitIs413) {
  ServerLimits l;
  l.max_body_bytes = 1024;
  start(l);
  std::string req = "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
                    std::string(2048, 'x') + "\r\n0\r\n\r\n";
  EXPECT_EQ(status_of(raw_exchange(req)), 413u);
}

TEST_F(HttpServerTest, BodyAtLimitIsServed) {
  ServerLimits l;
  l.max_body_bytes = 1024;
  start(l);
  std::string req =
      "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1024\r\nConnection: close\r\n\r\n" + std::string(1024, 'x');
  auto raw = raw_exchange(req);
  EXPECT_EQ(status_of(raw), 200u);
  EXPECT_NE(raw.find("echo:/x:" + std::string(1024, 'x')), std::string::npos);
}

TEST_F(HttpServerTest, HeaderOverLimitIs431) {
  ServerLimits l;
  l.max_header_bytes = 1024;
  start(l);
  std::string req = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(4000, 'h') + "\r\n\r\n";
  EXPECT_EQ(status_of(raw_exchange(req)), 431u);
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  start();
  EXPECT_EQ(status_of(raw_exchange("this is not http\r\n\r\n")), 400u);
  EXPECT_EQ(status_of(raw_exchange("GET / HTTP/1.1\r\nHost a\r\n\r\n")), 400u);
  EXPECT_EQ(
      status_of(raw_exchange("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")),
      400u)
      << "conflicting lengths are a smuggling vector";
  EXPECT_EQ(status_of(raw_exchange("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")), 400u);
}

TEST_F(HttpServerTest, PeerClosingEarlyGetsNoAnswer) {
  start();
  // The peer connects and closes its side without a byte: the server answers nothing and closes
  // too (at once, not after the idle timeout).
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  s.shutdown(tcp::socket::shutdown_send);
  std::string out;
  error_code ec;
  char buf[256];
  for (;;) {
    auto n = s.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  EXPECT_EQ(out, "");
  EXPECT_EQ(ec, asio::error::eof);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  beast::flat_buffer buf;
  for (int i = 0; i < 3; ++i) {
    Request req{http::verb::get, "/n" + std::to_string(i), 11};
    req.set(http::field::host, "a");
    http::write(s, req);
    Response res;
    http::read(s, buf, res);
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res.body(), "echo:/n" + std::to_string(i) + ":");
    EXPECT_TRUE(res.keep_alive());
  }
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  auto raw = raw_exchange("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  auto a = raw.find("echo:/a:"), b = raw.find("echo:/b:");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  EXPECT_LT(a, b);
}

TEST_F(HttpServerTest, ConnectionCloseAndHttp10CloseAfterOneResponse) {
  start();
  auto raw = raw_exchange("GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(raw), 200u);
  raw = raw_exchange("GET /a HTTP/1.0\r\n\r\n");
  EXPECT_EQ(status_of(raw), 200u);
  EXPECT_TRUE(raw.starts_with("HTTP/1.0"));
}

TEST_F(HttpServerTest, HandlerExceptionCostsOneRequestNotTheServer) {
  start();
  EXPECT_EQ(status_of(raw_exchange("GET /throw HTTP/1.1\r\nHost: a\r\n\r\n")), 500u);
  EXPECT_EQ(status_of(raw_exchange("GET /silent HTTP/1.1\r\nHost: a\r\n\r\n")), 500u);
  EXPECT_EQ(status_of(raw_exchange("GET /ok HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")), 200u);
}

// Drain, a connection accepted before the listener closed whose client has not sent its request
// yet (it connected a moment before the signal): the drain counts it and serves the request, so
// that a stop cannot close the connection under a client that is sending (found as a rolling
// restart's "socket hang up").
TEST_F(HttpServerTest, DrainServesARequestFromAConnectionAcceptedBeforeTheClose) {
  start();
  asio::io_context io;
  tcp::socket s(io);
  ASSERT_NO_FATAL_FAILURE(connect_then_drain(s));
  EXPECT_EQ(server_->in_flight(), 1u) << "the drain must wait for this connection's request";
  std::string_view req = "GET /late HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(s, asio::buffer(req.data(), req.size()));
  auto out = read_until_closed(s);
  EXPECT_EQ(status_of(out), 200u) << out;
  EXPECT_NE(out.find("echo:/late:"), std::string::npos);
  EXPECT_NE(out.find("Connection: close"), std::string::npos) << "draining: the connection is not kept";
  expect_nothing_in_flight_soon();
}

// Drain, a connection that completed its handshake while the serving thread was busy, so that the
// close is queued on that thread before the thread next looks at the listener: whichever of the
// two takes the connection from the kernel, it is counted once close_listener() returns.
TEST_F(HttpServerTest, DrainCountsAConnectionThatArrivedWhileTheServingThreadWasBusy) {
  start();
  std::promise<void> held, release;
  auto released = release.get_future();
  asio::post(server_->executors()[0], [&] {
    held.set_value();
    released.wait();
  });
  held.get_future().wait();
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  server_->begin_drain(std::chrono::milliseconds(1000));
  std::thread closer([&] { server_->close_listener(); });
  // close_listener() posts to the held thread at once; this leaves it ample time to, and a late
  // post would only make the test pass without proving anything, never fail it.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  release.set_value();
  closer.join();
  EXPECT_EQ(server_->in_flight(), 1u) << "the drain must wait for this connection's request";
  std::string_view req = "GET /late HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(s, asio::buffer(req.data(), req.size()));
  auto out = read_until_closed(s);
  EXPECT_EQ(status_of(out), 200u) << out;
  expect_nothing_in_flight_soon();
}

// Drain, clients connecting without pause while the listener closes: a client whose connection
// the kernel completed is served; the others are refused (or, while the close settles, not
// answered). None is reset after connecting, which is what a handshake completing between the
// drain's last accept and the close met (a rolling restart's rare "socket hang up"). Without the
// fix, 200 rounds of this lost 4 to 11 connections.
TEST_F(HttpServerTest, DrainResetsNoConnectionWhoseHandshakeCompleted) {
  ServerLimits limits;
  limits.handshakes_under_way = std::chrono::milliseconds(10);  // loopback: plenty
  std::atomic<int> lost{0}, served{0};
  for (int round = 0; round < 100; ++round) {
    start(limits);
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), server_->port());
    std::atomic<bool> closed{false};
    std::atomic<int> served_this_round{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 8; ++c)
      clients.emplace_back([&] {
        std::string_view req = "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        while (!closed) {
          asio::io_context io;
          tcp::socket s(io);
          error_code ec = asio::error::would_block;
          s.async_connect(ep, [&](error_code e) { ec = e; });
          // A dropped SYN would be sent again a second later: not waited for.
          io.run_for(std::chrono::milliseconds(50));
          if (ec) continue;  // refused, or not answered while the close settles
          asio::write(s, asio::buffer(req.data(), req.size()), ec);
          if (status_of(read_until_closed(s)) == 200)
            ++served_this_round;
          else
            ++lost;
        }
      });
    while (served_this_round < 20) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server_->begin_drain(std::chrono::milliseconds(1000));
    server_->close_listener();
    closed = true;
    for (auto& t : clients) t.join();
    served += served_this_round;
    server_->stop(std::chrono::milliseconds(2000));
    server_->wait();
    gate_.reset();  // its timer belongs to the server's thread
    server_.reset();
  }
  EXPECT_EQ(lost.load(), 0) << "connections reset after their handshake completed; " << served.load() << " served";
}

// ...but not for long: one that sends nothing is closed about a second after the close, and no
// longer counts, so a silent client cannot hold a drain until its grace deadline.
TEST_F(HttpServerTest, DrainClosesAnAcceptedConnectionThatSendsNothing) {
  start();
  asio::io_context io;
  tcp::socket s(io);
  auto t0 = steady::now();
  ASSERT_NO_FATAL_FAILURE(connect_then_drain(s));
  EXPECT_EQ(server_->in_flight(), 1u);
  char buf[16];
  error_code ec;
  auto n = s.read_some(asio::buffer(buf), ec);
  auto waited = steady::now() - t0;
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_LT(waited, std::chrono::seconds(5));
  expect_nothing_in_flight_soon();
}

TEST_F(HttpServerTest, ClientGetsResponse) {
  start();
  Endpoint ep{"127.0.0.1", server_->port()};
  auto body = run_client([&](asio::any_io_executor ex) -> awaitable<std::string> {
    HttpClient client(ex);
    Request req{http::verb::post, "/hello", 11};
    req.set(http::field::host, "127.0.0.1");
    req.body() = "payload";
    auto rs = co_await client.send(ep, req, generous_deadline());
    if (!rs) co_return "send failed: " + rs.error().message;
    EXPECT_EQ((*rs)->status(), 200u);
    EXPECT_EQ((*rs)->head()["X-Method"], "POST");
    auto all = co_await (*rs)->read_all(generous_deadline());
    co_return all ? *all : "read failed: " + all.error().message;
  });
  EXPECT_EQ(body, "echo:/hello:payload");
}

TEST_F(HttpServerTest, ClientReusesKeepAliveConnection) {
  // With room for one connection only, a second request succeeds only on the pooled one.
  ServerLimits l;
  l.max_connections = 1;
  start(l);
  Endpoint ep{"127.0.0.1", server_->port()};
  auto bodies = run_client([&](asio::any_io_executor ex) -> awaitable<std::vector<std::string>> {
    HttpClient client(ex);
    std::vector<std::string> out;
    for (int i = 0; i < 3; ++i) {
      Request req{http::verb::get, "/r" + std::to_string(i), 11};
      req.set(http::field::host, "127.0.0.1");
      auto rs = co_await client.send(ep, req, generous_deadline());
      if (!rs) {
        out.push_back("send failed: " + rs.error().message);
        continue;
      }
      auto all = co_await (*rs)->read_all(generous_deadline());
      out.push_back(all ? *all : "read failed: " + all.error().message);
    }
    co_return out;
  });
  EXPECT_EQ(bodies, (std::vector<std::string>{"echo:/r0:", "echo:/r1:", "echo:/r2:"}));
}

TEST_F(HttpServerTest, ChunkedStreamIsReadPieceByPiece) {
  start();
  Endpoint ep{"127.0.0.1", server_->port()};
  auto pieces = run_client([&](asio::any_io_executor ex) -> awaitable<std::vector<std::string>> {
    HttpClient client(ex);
    std::vector<std::string> out;
    Request req{http::verb::get, "/stream", 11};
    req.set(http::field::host, "127.0.0.1");
    auto rs = co_await client.send(ep, req, generous_deadline());
    if (!rs) co_return std::vector<std::string>{"send failed: " + rs.error().message};
    (*rs)->unlimited_body();
    EXPECT_EQ((*rs)->head()[http::field::transfer_encoding], "chunked");
    std::string received;
    bool released = false;
    while (!(*rs)->done()) {
      auto piece = co_await (*rs)->next(generous_deadline());
      if (!piece) {
        out.push_back("read failed: " + piece.error().message);
        break;
      }
      if (piece->empty()) continue;
      out.push_back(*piece);
      received += *piece;
      // "one" arrived while the server still holds "two": the body is not buffered whole.
      if (!released && received == "one") {
        released = true;
        gate_->open();
      }
    }
    co_return out;
  });
  ASSERT_FALSE(pieces.empty());
  EXPECT_EQ(pieces.front(), "one");
  std::string all;
  for (auto& p : pieces) all += p;
  EXPECT_EQ(all, "onetwothree");
}

TEST_F(HttpServerTest, StreamLearnsAtOnceThatItsClientClosed) {
  // The handler has nothing to write and would wait forever: only the watch can wake it.
  start();
  auto result = watched();
  asio::io_context io;
  auto s = connected(io);
  auto head = send_and_read_first_chunk(s, "GET /watch HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_NE(head.find("one"), std::string::npos) << head;
  s.close();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(30)), std::future_status::ready) << "the close went unnoticed";
  auto [gone, wrote] = result.get();
  EXPECT_TRUE(gone);
  EXPECT_FALSE(wrote) << "nothing is written to a peer known to be gone";
  expect_nothing_in_flight_soon();
  for (int i = 0; i < 200 && server_->active_connections() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(server_->active_connections(), 0u) << "the connection is closed, not left in CLOSE-WAIT";
}

TEST_F(HttpServerTest, StreamLearnsThatItsClientClosedAfterSendingMoreBytes) {
  // Bytes the server has not read (here the start of another request) sit before the close: the
  // readiness that announced them does not repeat, and the watch looks again for a hang-up.
  start();
  auto result = watched();
  asio::io_context io;
  auto s = connected(io);
  auto head = send_and_read_first_chunk(s, "GET /watch HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_NE(head.find("one"), std::string::npos) << head;
  asio::write(s, asio::buffer(std::string_view("GET /next HTTP/1.1\r\n")));
  // Not a timing assumption: the test passes either way. The pause makes it likely that the
  // server sees the bytes before the close, which is the case this test is about.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  s.shutdown(tcp::socket::shutdown_send);
  ASSERT_EQ(result.wait_for(std::chrono::seconds(30)), std::future_status::ready) << "the close went unnoticed";
  EXPECT_TRUE(result.get().first);
}

TEST_F(HttpServerTest, StreamWatchLeavesAPipelinedRequestToBeServed) {
  // A client that sends its next request while a stream is open has not gone away, and the
  // watch takes none of its bytes: the stream goes on, then the request is answered.
  start();
  auto result = watched();
  asio::io_context io;
  auto s = connected(io);
  auto head = send_and_read_first_chunk(
      s, "GET /watch HTTP/1.1\r\nHost: a\r\n\r\nGET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  ASSERT_NE(head.find("one"), std::string::npos) << head;
  gate_->open();
  auto rest = read_until_closed(s);
  ASSERT_EQ(result.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  auto [gone, wrote] = result.get();
  EXPECT_FALSE(gone);
  EXPECT_TRUE(wrote);
  EXPECT_NE(rest.find("two"), std::string::npos) << rest;
  EXPECT_NE(rest.find("echo:/after:"), std::string::npos) << rest;
}

TEST_F(HttpServerTest, WaitingHandlerLearnsThatItsClientClosed) {
  // Nothing streams: the server's periodic look at the exchanges still waiting finds the close.
  start_looking_often();
  auto result = watched();
  asio::io_context io;
  auto s = connected(io);
  asio::write(s, asio::buffer(std::string_view("GET /wait HTTP/1.1\r\nHost: a\r\n\r\n")));
  s.close();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(30)), std::future_status::ready) << "the close went unnoticed";
  EXPECT_TRUE(result.get().first);
  expect_nothing_in_flight_soon();
}

TEST_F(HttpServerTest, WaitingHandlerOfAClientThatStaysIsAnswered) {
  start_looking_often();
  auto result = watched();
  asio::io_context io;
  auto s = connected(io);
  asio::write(s, asio::buffer(std::string_view("GET /wait HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")));
  // Not a timing assumption: the answer must be the same however many looks the server took
  // meanwhile; the pause lets it take several.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  gate_->open();
  auto raw = read_until_closed(s);
  EXPECT_EQ(status_of(raw), 200u);
  EXPECT_NE(raw.find("waited"), std::string::npos) << raw;
  ASSERT_EQ(result.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_FALSE(result.get().first) << "a client that stays is not taken for gone";
}

TEST_F(HttpServerTest, ClientBodyLimitIsEnforced) {
  start();
  Endpoint ep{"127.0.0.1", server_->port()};
  auto result = run_client([&](asio::any_io_executor ex) -> awaitable<std::string> {
    ClientLimits cl;
    cl.max_body_bytes = 1024;
    HttpClient client(ex, cl);
    Request req{http::verb::get, "/big", 11};
    req.set(http::field::host, "127.0.0.1");
    auto rs = co_await client.send(ep, req, generous_deadline());
    // A declared Content-Length over the limit is refused with the header; a body that grows
    // past it, while reading. Either way no body reaches the caller.
    if (!rs) co_return std::string("refused");
    auto all = co_await (*rs)->read_all(generous_deadline());
    co_return all ? "read " + std::to_string(all->size()) + " bytes" : std::string("refused");
  });
  EXPECT_EQ(result, "refused");
}

TEST_F(HttpServerTest, ClientReportsRefusedConnection) {
  // A port we held and released: nothing listens there now.
  std::uint16_t port;
  {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  auto result = run_client([&](asio::any_io_executor ex) -> awaitable<bool> {
    HttpClient client(ex);
    Request req{http::verb::get, "/", 11};
    // Named, not a temporary: g++ 12 frees a temporary bound to a reference parameter inside a
    // co_await expression twice (found by this test; an ASan report names Endpoint's string).
    Endpoint ep{"127.0.0.1", port};
    auto rs = co_await client.send(ep, req, generous_deadline());
    co_return rs.has_value();
  });
  EXPECT_FALSE(result);
}

}  // namespace
}  // namespace mcpgate::net
