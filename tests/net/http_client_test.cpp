// HttpClient against a scripted server (tests/support/fake_http_server): what it sends, what it
// reads, and each way an upstream can fail it. Deadlines are short and asserted as failures,
// never timed; a server that "never answers" holds its connection open until the test ends.
#include "net/http_client.hpp"

#include <gtest/gtest.h>

#include "fake_http_server.hpp"

namespace mcpgate::net {
namespace {

using mcpgate::testing::FakeHttpServer;
using mcpgate::testing::FakeReply;
using mcpgate::testing::FakeRequest;
using mcpgate::testing::run_coroutine;
using steady = std::chrono::steady_clock;

steady::time_point generous() {
  return steady::now() + std::chrono::seconds(30);
}
steady::time_point short_deadline() {
  return steady::now() + std::chrono::milliseconds(200);
}

// What one exchange came to: the status and body, or the failure.
struct Outcome {
  bool ok = false;
  unsigned status = 0;
  std::string location;
  std::string body;
  std::string error;
};

awaitable<Outcome> fetch(HttpClient& client, Endpoint ep, Request req, steady::time_point deadline) {
  Outcome o;
  auto rs = co_await client.send(ep, req, deadline);
  if (!rs) {
    o.error = rs.error().message;
    co_return o;
  }
  o.status = (*rs)->status();
  o.location = std::string((*rs)->head()[http::field::location]);
  auto all = co_await (*rs)->read_all(deadline);
  if (!all) {
    o.error = all.error().message;
    co_return o;
  }
  o.ok = true;
  o.body = std::move(*all);
  co_return o;
}

Request get(std::string target = "/") {
  Request req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  return req;
}

Outcome one(std::uint16_t port, Request req, steady::time_point deadline = generous(), ClientLimits limits = {}) {
  return run_coroutine([&](asio::any_io_executor ex) -> awaitable<Outcome> {
    HttpClient client(ex, limits);
    Endpoint ep{"127.0.0.1", port};
    co_return co_await fetch(client, ep, std::move(req), deadline);
  });
}

TEST(HttpClient, SendsTheRequestAndReadsStatusHeadersAndBody) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeReply{FakeHttpServer::response(201, R"({"ok":true})", {{"Content-Type", "application/json"}})};
  });
  Request req{http::verb::post, "/mcp?x=1", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  req.body() = R"({"jsonrpc":"2.0"})";
  auto o = one(server.port(), std::move(req));
  EXPECT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.status, 201u);
  EXPECT_EQ(o.body, R"({"ok":true})");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/mcp?x=1");
  EXPECT_EQ(seen[0].body, R"({"jsonrpc":"2.0"})");
  EXPECT_EQ(seen[0].header("content-length"), "17") << "the length is computed, not left to the caller";
}

// RFC 9112 §7.1: a chunked body is decoded whole, chunk boundaries invisible to the caller.
TEST(HttpClient, ChunkedBodyIsDecoded_Rfc9112_7_1) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeReply{FakeHttpServer::chunked(200, {"one", "-two-", "three"})};
  });
  auto o = one(server.port(), get());
  EXPECT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.body, "one-two-three");
}

// Every buffer has a limit: a body over max_body_bytes is refused whether its length is declared
// or it grows chunk by chunk.
TEST(HttpClient, BodyOverTheLimitIsRefused) {
  ClientLimits limits;
  limits.max_body_bytes = 1024;
  FakeHttpServer declared(
      [](const FakeRequest&) { return FakeReply{FakeHttpServer::response(200, std::string(4096, 'x'))}; });
  EXPECT_FALSE(one(declared.port(), get(), generous(), limits).ok);
  FakeHttpServer growing([](const FakeRequest&) {
    return FakeReply{FakeHttpServer::chunked(200, {std::string(600, 'a'), std::string(600, 'b')})};
  });
  EXPECT_FALSE(one(growing.port(), get(), generous(), limits).ok);
  FakeHttpServer within(
      [](const FakeRequest&) { return FakeReply{FakeHttpServer::response(200, std::string(1024, 'x'))}; });
  EXPECT_TRUE(one(within.port(), get(), generous(), limits).ok);
}

TEST(HttpClient, HeaderOverTheLimitIsRefused) {
  ClientLimits limits;
  limits.max_header_bytes = 1024;
  FakeHttpServer server([](const FakeRequest&) {
    return FakeReply{FakeHttpServer::response(200, "x", {{"X-Padding", std::string(4096, 'p')}})};
  });
  auto o = one(server.port(), get(), generous(), limits);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.status, 0u) << "no header reaches the caller";
}

// Every network call has a deadline: a server that accepts and never answers costs the caller
// its deadline, not forever.
TEST(HttpClient, ServerThatNeverAnswersFailsAtTheDeadline) {
  FakeHttpServer server([](const FakeRequest&) { return FakeReply{"", false, true}; });
  auto o = one(server.port(), get(), short_deadline());
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.status, 0u);
}

TEST(HttpClient, BodyThatStopsMidwayFailsAtTheDeadline) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeReply{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..", false, true};
  });
  auto o = one(server.port(), get(), short_deadline());
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.status, 200u) << "the header arrived; the body did not";
}

TEST(HttpClient, BodyCutShortByTheServerFails) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeReply{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..", true, false};
  });
  EXPECT_FALSE(one(server.port(), get()).ok);
}

TEST(HttpClient, ConnectionRefusedFails) {
  std::uint16_t port;
  {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }  // released: nothing listens there now
  auto o = one(port, get());
  EXPECT_FALSE(o.ok);
  EXPECT_FALSE(o.error.empty());
}

// Redirects are never followed (an upstream or key source must not send the gateway, with its
// credentials, somewhere else): the caller sees the 3xx and the other server sees nothing.
TEST(HttpClient, RedirectIsReturnedNotFollowed) {
  FakeHttpServer elsewhere([](const FakeRequest&) { return FakeReply{FakeHttpServer::response(200, "followed")}; });
  std::string location = "http://127.0.0.1:" + std::to_string(elsewhere.port()) + "/";
  FakeHttpServer server([&](const FakeRequest&) {
    return FakeReply{FakeHttpServer::response(302, "", {{"Location", location}})};
  });
  auto o = one(server.port(), get());
  EXPECT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.status, 302u);
  EXPECT_EQ(o.location, location);
  EXPECT_TRUE(elsewhere.requests().empty());
}

TEST(HttpClient, KeepAliveConnectionIsReused) {
  FakeHttpServer server([](const FakeRequest& r) { return FakeReply{FakeHttpServer::response(200, r.target)}; });
  auto bodies = run_coroutine([&](asio::any_io_executor ex) -> awaitable<std::vector<std::string>> {
    HttpClient client(ex);
    Endpoint ep{"127.0.0.1", server.port()};
    std::vector<std::string> out;
    for (auto t : {"/a", "/b", "/c"}) out.push_back((co_await fetch(client, ep, get(t), generous())).body);
    co_return out;
  });
  EXPECT_EQ(bodies, (std::vector<std::string>{"/a", "/b", "/c"}));
  EXPECT_EQ(server.connections(), 1);
}

// A pooled connection the server closed while it sat idle: the request is sent again once, on a
// new connection, and succeeds.
TEST(HttpClient, PooledConnectionClosedByTheServerIsReplacedOnce) {
  FakeHttpServer server([](const FakeRequest& r) {
    // Claims keep-alive, then closes: what a server with a short idle timeout looks like.
    return FakeReply{FakeHttpServer::response(200, r.target), true, false};
  });
  auto bodies = run_coroutine([&](asio::any_io_executor ex) -> awaitable<std::vector<std::string>> {
    HttpClient client(ex);
    Endpoint ep{"127.0.0.1", server.port()};
    std::vector<std::string> out;
    for (auto t : {"/first", "/second"}) {
      auto o = co_await fetch(client, ep, get(t), generous());
      out.push_back(o.ok ? o.body : "failed: " + o.error);
    }
    co_return out;
  });
  EXPECT_EQ(bodies, (std::vector<std::string>{"/first", "/second"}));
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests().size(), 2u);
}

}  // namespace
}  // namespace mcpgate::net
