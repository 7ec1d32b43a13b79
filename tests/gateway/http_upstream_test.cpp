// HttpUpstream against a scripted upstream (tests/support/fake_http_server): a JSON reply, an SSE
// reply, what each non-2xx status becomes, bodies that are not a reply, and the session id of a
// 2025-11-25 upstream. What reaches the inbox is what the client would be told.
#include "gateway/http_upstream.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <future>

#include "core/json.hpp"
#include "fake_http_server.hpp"
#include "mcp/jsonrpc.hpp"

namespace mcpgate::gateway {
namespace {

using mcpgate::testing::FakeHttpServer;
using mcpgate::testing::FakeReply;
using mcpgate::testing::FakeRequest;
using steady = std::chrono::steady_clock;
namespace asio = net::asio;

// HttpUpstream sends through a client per thread that keeps the executor it first saw: every test
// of this file runs its coroutines on this one context, which outlives them all.
asio::io_context& io() {
  static asio::io_context context;
  return context;
}

template <class F>
auto run(F f) {
  auto fut = asio::co_spawn(io(), f(), asio::use_future);
  io().restart();
  io().run();
  return fut.get();
}

std::shared_ptr<HttpUpstream> upstream_at(std::uint16_t port) {
  HttpOptions o;
  o.http.host = "127.0.0.1";
  o.http.port = port;
  o.http.target = "/mcp";
  o.name = "api";
  o.label = "e/api";
  o.tag = "t1";
  return std::make_shared<HttpUpstream>(io().get_executor(), std::move(o));
}

// Everything the inbox received for one request, up to and including its reply or failure.
struct Answer {
  std::vector<json::object> messages;
  std::optional<UpstreamFailure> failure;
  json::object reply() const { return messages.empty() ? json::object{} : messages.back(); }
  int error_code() const {
    auto r = reply();
    auto* e = r.if_contains("error");
    return e && e->is_object() && e->as_object().contains("code")
               ? static_cast<int>(e->as_object().at("code").as_int64())
               : 0;
  }
};

Answer call(const std::shared_ptr<HttpUpstream>& up, json::object request,
            std::chrono::milliseconds timeout = std::chrono::seconds(10), std::string request_id = "rid-1") {
  return run([&]() -> net::awaitable<Answer> {
    auto inbox = std::make_shared<Inbox>(io().get_executor());
    inbox->request_id = request_id;
    auto deadline = steady::now() + timeout;
    Answer a;
    auto begun = co_await up->begin(request, inbox, deadline);
    if (!begun) co_return a;
    auto id = request["id"];
    for (;;) {
      auto m = co_await inbox->pop(deadline + std::chrono::seconds(1));
      if (!m) break;
      a.messages.push_back(*m);
      if ((m->contains("result") || m->contains("error")) && (*m)["id"] == id) break;
    }
    a.failure = inbox->failure();
    co_return a;
  });
}

json::object request(int id, std::string method = "tools/list") {
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
}

std::string json_reply(int id) {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"result":{"ok":1}})";
}

FakeReply json_answer(const std::string& body, unsigned status = 200,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  return FakeReply{FakeHttpServer::response(status, body, headers)};
}

TEST(HttpUpstream, JsonReplyIsRelayedUnderTheClientsId) {
  FakeHttpServer server([](const FakeRequest&) { return json_answer(json_reply(7)); });
  auto a = call(upstream_at(server.port()), request(7));
  ASSERT_EQ(a.messages.size(), 1u);
  EXPECT_FALSE(a.failure);
  EXPECT_EQ(a.reply()["id"], 7);
  EXPECT_EQ(a.reply()["result"].as_object()["ok"], 1);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/mcp");
  // MCP transports, "Sending Messages to the Server": both media types accepted.
  EXPECT_EQ(seen[0].header("accept"), "application/json, text/event-stream");
  EXPECT_EQ(seen[0].header("content-type"), "application/json");
  EXPECT_EQ(seen[0].header("x-request-id"), "rid-1") << "the request id follows the call to the upstream";
  EXPECT_EQ(parse_json(seen[0].body)->as_object()["method"], "tools/list");
}

// A list reply of 64 kB and more, for a caller that asked for one (the list filter), arrives as
// the skeleton of its text: each item only its judged member, item i of the text still item i,
// the text the upstream's bytes. A small one, or one nobody asked to skeletonize, is whole.
TEST(HttpUpstream, LargeListReplyArrivesAsTheSkeletonOfItsTextWhenAsked) {
  std::string items;
  for (int i = 0; i < 1000; ++i) {
    if (i) items += ',';
    items += R"({"name":"t)" + std::to_string(i) +
             R"(","description":"a tool with a description long enough","inputSchema":{"type":"object"}})";
  }
  std::string big = R"({"jsonrpc":"2.0","id":7,"result":{"tools":[)" + items + "]}}";
  ASSERT_GE(big.size(), 64u * 1024);
  std::string small = R"({"jsonrpc":"2.0","id":7,"result":{"tools":[{"name":"a","description":"d"}]}})";
  struct Got {
    json::object message;
    std::string text;
    bool skeleton = false;
  };
  auto ask = [&](const std::string& body, bool want_skeleton) {
    FakeHttpServer server([&](const FakeRequest&) { return json_answer(body); });
    auto up = upstream_at(server.port());
    return run([&]() -> net::awaitable<Got> {
      auto inbox = std::make_shared<Inbox>(io().get_executor());
      if (want_skeleton) inbox->skeleton_list = JsonSkeletonPath{"result", "tools", "name"};
      auto deadline = steady::now() + std::chrono::seconds(10);
      Got g;
      if (!co_await up->begin(request(7), inbox, deadline)) co_return g;
      auto m = co_await inbox->pop(deadline);
      if (!m) co_return g;
      g.message = std::move(*m);
      g.text = inbox->take_text();
      g.skeleton = inbox->took_skeleton();
      co_return g;
    });
  };
  auto g = ask(big, true);
  EXPECT_TRUE(g.skeleton);
  EXPECT_EQ(g.text, big);
  auto& tools = g.message["result"].as_object()["tools"].as_array();
  ASSERT_EQ(tools.size(), 1000u);
  EXPECT_EQ(serialize_json(tools[3]), R"({"name":"t3"})");
  EXPECT_EQ(g.message["id"], 7);

  auto whole = ask(big, false);
  EXPECT_FALSE(whole.skeleton);
  EXPECT_EQ(serialize_json(whole.message["result"].as_object()["tools"].as_array()[3].as_object()["inputSchema"]),
            R"({"type":"object"})");
  auto little = ask(small, true);
  EXPECT_FALSE(little.skeleton);
  EXPECT_EQ(little.message["result"].as_object()["tools"].as_array()[0].as_object()["description"], "d");
}

// MCP transports: a request may be answered with an SSE stream carrying notifications and then
// the reply; each is relayed as it arrives, the reply last.
TEST(HttpUpstream, SseReplyRelaysEventsThenTheReply) {
  FakeHttpServer server([](const FakeRequest&) {
    std::string progress = R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}})";
    return FakeReply{FakeHttpServer::chunked(
        200, {"event: message\ndata: " + progress + "\n\n", "event: message\ndata: " + json_reply(3) + "\n\n"},
        {{"Content-Type", "text/event-stream"}})};
  });
  auto a = call(upstream_at(server.port()), request(3));
  ASSERT_EQ(a.messages.size(), 2u);
  EXPECT_EQ(a.messages[0]["method"], "notifications/progress");
  EXPECT_EQ(a.reply()["id"], 3);
  EXPECT_TRUE(a.reply().contains("result"));
  EXPECT_FALSE(a.failure);
}

struct StatusCase {
  const char* name;
  unsigned status;
  std::string content_type;
  std::string body;
  UpstreamFailure failure;
};

// A status that is not 2xx is never a success whatever its body says, and a 3xx is not followed
// (the request and the upstream's credentials would go where the operator did not configure).
TEST(HttpUpstream, StatusesThatAreNotSuccessBecomeTheGatewaysError) {
  const StatusCase cases[] = {
      {"500 with a result body", 500, "application/json", json_reply(1), UpstreamFailure::http_status},
      {"503 text", 503, "text/plain", "down", UpstreamFailure::http_status},
      {"302", 302, "text/plain", "", UpstreamFailure::http_status},
      {"401", 401, "application/json", "{}", UpstreamFailure::unauthorized},
      {"403", 403, "text/html", "<p>no</p>", UpstreamFailure::unauthorized},
      {"400 text", 400, "text/plain", "bad", UpstreamFailure::http_status},
      {"400 with a result", 400, "application/json", json_reply(1), UpstreamFailure::http_status},
  };
  for (auto& c : cases) {
    FakeHttpServer server([&](const FakeRequest&) {
      return FakeReply{FakeHttpServer::response(c.status, c.body, {{"Content-Type", c.content_type}})};
    });
    auto a = call(upstream_at(server.port()), request(1));
    ASSERT_EQ(a.messages.size(), 1u) << c.name;
    EXPECT_EQ(a.failure, c.failure) << c.name;
    EXPECT_EQ(a.error_code(), mcp::code::upstream_unavailable) << c.name;
    auto data = a.reply()["error"].as_object()["data"].as_object();
    EXPECT_EQ(data["upstream"], "api") << c.name << ": the upstream is named by its configured name only";
    EXPECT_EQ(data["status"], c.status) << c.name;
    EXPECT_EQ(serialize_json(a.reply()).find("<p>no</p>"), std::string::npos) << "nothing of the upstream's body";
  }
}

// 2026-07-28 transports pair a 4xx with the JSON-RPC error that explains it: that error is the
// upstream's own answer and is relayed as such.
TEST(HttpUpstream, FourHundredWithThisRequestsJsonRpcErrorIsRelayed) {
  FakeHttpServer server([](const FakeRequest&) {
    return json_answer(R"({"jsonrpc":"2.0","id":4,"error":{"code":-32602,"message":"bad params"}})", 400);
  });
  auto a = call(upstream_at(server.port()), request(4));
  ASSERT_EQ(a.messages.size(), 1u);
  EXPECT_FALSE(a.failure);
  EXPECT_EQ(a.error_code(), -32602);
}

TEST(HttpUpstream, BodiesThatAreNotTheReplyAreRefused) {
  const std::pair<const char*, FakeReply> cases[] = {
      {"not JSON", json_answer("<html>oops</html>")},
      {"HTML", FakeReply{FakeHttpServer::response(200, json_reply(1), {{"Content-Type", "text/html"}})}},
      {"no content type", FakeReply{FakeHttpServer::response(200, json_reply(1))}},
      {"202 for a request", FakeReply{FakeHttpServer::response(202, "")}},
      {"another request's reply", json_answer(json_reply(99))},
      {"a request, not a reply", json_answer(R"({"jsonrpc":"2.0","id":1,"method":"ping"})")},
  };
  for (auto& [name, reply] : cases) {
    FakeHttpServer server([&](const FakeRequest&) { return reply; });
    auto a = call(upstream_at(server.port()), request(1));
    ASSERT_EQ(a.messages.size(), 1u) << name;
    EXPECT_EQ(a.failure, UpstreamFailure::bad_reply) << name;
    EXPECT_EQ(a.error_code(), mcp::code::upstream_unavailable) << name;
  }
}

TEST(HttpUpstream, UnreachableUpstream) {
  std::uint16_t port;
  {
    asio::io_context other;
    net::tcp::acceptor a(other, net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  auto a = call(upstream_at(port), request(1));
  EXPECT_EQ(a.failure, UpstreamFailure::unreachable);
  EXPECT_EQ(a.error_code(), mcp::code::upstream_unavailable);
}

TEST(HttpUpstream, ReplyNotFinishedByTheDeadlineIsATimeout) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeReply{"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{", false, true};
  });
  auto a = call(upstream_at(server.port()), request(1), std::chrono::milliseconds(200));
  EXPECT_EQ(a.failure, UpstreamFailure::timeout);
  EXPECT_EQ(a.error_code(), mcp::code::upstream_timeout);
}

// An upstream that takes the request and says nothing until the deadline did not answer in time
// (504, -32001): it was reached. It was reported as unreachable (502) before.
TEST(HttpUpstream, NoAnswerAtAllByTheDeadlineIsATimeoutNotUnreachable) {
  FakeHttpServer server([](const FakeRequest&) { return FakeReply{"", false, true}; });
  auto a = call(upstream_at(server.port()), request(1), std::chrono::milliseconds(200));
  EXPECT_EQ(a.failure, UpstreamFailure::timeout);
  EXPECT_EQ(a.error_code(), mcp::code::upstream_timeout);
}

// 2025-11-25 transports, "Session Management": the Mcp-Session-Id of the initialize answer goes
// on every later request with the negotiated MCP-Protocol-Version; a 404 to a request that carried
// it ends the session, and the next request goes without it.
TEST(HttpUpstream, SessionIdFromInitializeIsSentUntilTheUpstreamEndsIt) {
  int posts = 0;
  FakeHttpServer server([&](const FakeRequest& r) {
    ++posts;
    auto id = parse_json(r.body)->as_object()["id"].as_int64();
    if (posts == 1)
      return json_answer(R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{}}})", 200,
                         {{"Mcp-Session-Id", "s-123"}});
    if (posts == 3) return FakeReply{FakeHttpServer::response(404, "")};
    return json_answer(json_reply(static_cast<int>(id)));
  });
  auto up = upstream_at(server.port());
  EXPECT_FALSE(call(up, request(1, "initialize")).failure);
  EXPECT_FALSE(call(up, request(2)).failure);
  EXPECT_EQ(call(up, request(3)).failure, UpstreamFailure::session_expired);
  EXPECT_FALSE(call(up, request(4)).failure);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].header("mcp-session-id"), "");
  EXPECT_EQ(seen[1].header("mcp-session-id"), "s-123");
  EXPECT_EQ(seen[1].header("mcp-protocol-version"), "2025-11-25");
  EXPECT_EQ(seen[2].header("mcp-session-id"), "s-123");
  EXPECT_EQ(seen[3].header("mcp-session-id"), "") << "an ended session is not sent again";
}

// Runs the test's context until `done` holds (the upstream's listen loop keeps it busy, so it
// never runs out of work); false if it does not within 10 s.
template <class Pred>
bool run_until(Pred done) {
  auto give_up = steady::now() + std::chrono::seconds(10);
  while (!done()) {
    if (steady::now() > give_up) return false;
    io().restart();
    io().run_for(std::chrono::milliseconds(10));
  }
  return true;
}

TEST(HttpUpstream, StandaloneStreamIsHeldOnlyWhileAClientListens) {
  // 2025-11-25 transports: the GET stream is opened for a client's standalone stream. Once no
  // client listens it is closed, so that an upstream connection is held per listening client and
  // not per session that once listened; a later listener opens it again.
  FakeHttpServer server([&](const FakeRequest& r) {
    if (r.method == "GET")
      return FakeReply{"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
                       false, true};
    return json_answer(R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{}}})", 200,
                       {{"Mcp-Session-Id", "s-1"}});
  });
  auto gets = [&] {
    int n = 0;
    for (auto& r : server.requests()) n += r.method == "GET";
    return n;
  };
  auto up = upstream_at(server.port());
  ASSERT_FALSE(call(up, request(1, "initialize")).failure);
  auto listener = std::make_shared<Inbox>(io().get_executor());
  up->set_listener(listener);
  ASSERT_TRUE(run_until([&] { return gets() == 1; })) << "the stream is opened for a listener";
  EXPECT_EQ(server.hung_up(), 0);

  up->set_listener(nullptr);
  ASSERT_TRUE(run_until([&] { return server.hung_up() == 1; })) << "nobody listens: the stream is closed";

  up->set_listener(std::make_shared<Inbox>(io().get_executor()));
  ASSERT_TRUE(run_until([&] { return gets() == 2; })) << "a new listener opens it again";
  // Replaced at once by a newer listener while it ends: the newer one gets a stream.
  up->set_listener(nullptr);
  up->set_listener(std::make_shared<Inbox>(io().get_executor()));
  ASSERT_TRUE(run_until([&] { return server.hung_up() == 2 && gets() == 3; }));
  EXPECT_EQ(server.hung_up(), 2);
  up->close();
  EXPECT_TRUE(run_until([&] { return server.hung_up() == 3; })) << "a closed session's stream is closed";
}

// One chunk of a chunked body (RFC 9112 §7.1), for a stream that is not finished.
std::string chunk(const std::string& data) {
  char size[20];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

// The stateless clients of an upstream share one upstream session, and clients pick the same ids.
// A reply being streamed is named by its request's inbox: abandoning one client's request closes
// that stream (2026-07-28: closing the stream is cancellation) and leaves another client's
// stream of the same id open.
TEST(HttpUpstream, AbandonClosesOnlyTheStreamOfThatRequest) {
  std::string progress = R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}})";
  FakeHttpServer server([&](const FakeRequest&) {
    return FakeReply{"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
                         chunk("event: message\ndata: " + progress + "\n\n"),
                     false, true};
  });
  auto up = upstream_at(server.port());
  auto a = std::make_shared<Inbox>(io().get_executor());
  auto b = std::make_shared<Inbox>(io().get_executor());
  auto deadline = steady::now() + std::chrono::seconds(30);
  // Each begun, and its first event read: both streams are open. (The context is run only until
  // then: the open streams keep it busy.)
  auto first_event = [&](std::shared_ptr<Inbox> inbox) {
    auto f = [&]() -> net::awaitable<json::object> {
      EXPECT_TRUE(co_await up->begin(request(1), inbox, deadline));
      auto m = co_await inbox->pop(deadline);
      co_return m ? *m : json::object{};
    };
    auto fut = asio::co_spawn(io(), f(), asio::use_future);
    EXPECT_TRUE(run_until([&] { return fut.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
    return fut.get();
  };
  ASSERT_EQ(first_event(a)["method"], "notifications/progress");
  ASSERT_EQ(first_event(b)["method"], "notifications/progress");

  up->abandon(*a);
  ASSERT_TRUE(run_until([&] { return server.hung_up() == 1; })) << "a's stream is closed";
  ASSERT_TRUE(run_until([&] { return a->failure().has_value(); })) << "a's wait ends";
  EXPECT_FALSE(b->failure()) << "b's stream, same id, another request: untouched";

  up->abandon(*b);
  EXPECT_TRUE(run_until([&] { return server.hung_up() == 2; }));
}

}  // namespace
}  // namespace mcpgate::gateway
