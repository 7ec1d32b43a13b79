// StdioUpstream with a real child: tests/support/fake_stdio_server, a small MCP server on stdio.
// Request and reply, lines that are not JSON-RPC, the child's death and its restart with the
// handshake replayed. Every wait is for a message from the child or its exit, never for time.
#include "gateway/stdio_upstream.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <future>

#include "core/json.hpp"
#include "mcp/jsonrpc.hpp"

namespace mcpgate::gateway {
namespace {

using steady = std::chrono::steady_clock;
namespace asio = net::asio;

class StdioUpstreamTest : public ::testing::Test {
 protected:
  // As the gateway does at start-up (main.cpp): a write to the stdin of a child that just died is
  // an error value (EPIPE), not a signal that ends the process. Without it this suite died of
  // SIGPIPE now and then, when a request was written to a child that had failed to exec.
  static void SetUpTestSuite() { ::signal(SIGPIPE, SIG_IGN); }

  // The upstream's reader coroutines run as long as the child does: the context is run only until
  // the test's own coroutine is done.
  template <class F>
  auto run(F f) {
    auto fut = asio::co_spawn(io_, f(), asio::use_future);
    // A context that ran out of work (the child and its readers gone) stays stopped until restarted.
    while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
      if (io_.run_one() == 0) io_.restart();
    return fut.get();
  }

  std::shared_ptr<StdioUpstream> start(std::vector<std::string> command = {FAKE_STDIO_SERVER}) {
    StdioOptions o;
    o.process.command = std::move(command);
    o.label = "e/fake";
    o.tag = "t1";
    up_ = std::make_shared<StdioUpstream>(io_.get_executor(), std::move(o), nullptr);
    return up_;
  }

  // Everything the inbox received for one request, up to its reply.
  std::vector<json::object> call(json::object request) {
    return run([&]() -> net::awaitable<std::vector<json::object>> {
      auto inbox = std::make_shared<Inbox>(io_.get_executor());
      auto deadline = steady::now() + std::chrono::seconds(10);
      std::vector<json::object> out;
      auto begun = co_await up_->begin(request, inbox, deadline);
      if (!begun) {
        out.push_back(json::object{{"begin_failed", begun.error().message}});
        co_return out;
      }
      for (;;) {
        auto m = co_await inbox->pop(deadline);
        if (!m) break;
        out.push_back(*m);
        if ((m->contains("result") || m->contains("error")) && (*m)["id"] == request["id"]) break;
      }
      co_return out;
    });
  }

  void notify(json::object message) {
    run([&]() -> net::awaitable<void> {
      auto r = co_await up_->deliver(message, steady::now() + std::chrono::seconds(10));
      EXPECT_TRUE(r) << (r ? "" : r.error().message);
    });
  }

  // Two requests with the same client id (1), each with its own inbox, held by the child; the
  // ids the child knows them by are asked of the child.
  void hold_both(const std::shared_ptr<Inbox>& a, const std::shared_ptr<Inbox>& b) {
    run([&]() -> net::awaitable<void> {
      auto deadline = steady::now() + std::chrono::seconds(10);
      EXPECT_TRUE(co_await up_->begin(hold(), a, deadline));
      EXPECT_TRUE(co_await up_->begin(hold(), b, deadline));
    });
    auto got = call(json::object{{"jsonrpc", "2.0"}, {"id", "h"}, {"method", "held"}});
    held_ids_ = got.back()["result"].as_object()["held"].as_array();
    ASSERT_EQ(held_ids_.size(), 2u);
    EXPECT_NE(held_ids_[0], held_ids_[1]) << "the child was given ids of its own";
  }
  static json::object hold() {
    return json::object{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "hold"}, {"params", json::object{}}};
  }
  json::array cancellations() {
    auto got = call(json::object{{"jsonrpc", "2.0"}, {"id", "q"}, {"method", "cancelled"}});
    return got.back()["result"].as_object()["cancelled"].as_array();
  }
  // The child answers the held requests, then this one: once this one is back, theirs were read.
  void release() { call(json::object{{"jsonrpc", "2.0"}, {"id", "r"}, {"method", "release"}}); }
  json::object waiting_reply(const std::shared_ptr<Inbox>& inbox) {
    return run([&]() -> net::awaitable<json::object> {
      auto m = co_await inbox->pop(steady::now());
      co_return m ? *m : json::object{{"nothing", true}};
    });
  }
  bool queued(const std::shared_ptr<Inbox>& inbox) { return !waiting_reply(inbox).contains("nothing"); }

  json::array held_ids_;  // the child's ids for a's request and b's

  void TearDown() override {
    up_.reset();  // kills the child (the destructor), before the context goes
  }

  asio::io_context io_;
  std::shared_ptr<StdioUpstream> up_;
};

json::object request(json::value id, std::string method, json::object params = {}) {
  return json::object{{"jsonrpc", "2.0"}, {"id", std::move(id)}, {"method", method}, {"params", std::move(params)}};
}

json::object initialize(json::value id) {
  return request(std::move(id), "initialize",
                 {{"protocolVersion", "2025-11-25"},
                  {"capabilities", json::object{}},
                  {"clientInfo", json::object{{"name", "t"}, {"version", "1"}}}});
}

TEST_F(StdioUpstreamTest, RequestIsAnsweredUnderTheClientsOwnId) {
  start();
  auto got = call(request("client-7", "echo", {{"x", 1}}));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["id"], "client-7") << "the child saw the gateway's id; the client gets its own back";
  EXPECT_EQ(got[0]["result"].as_object()["params"].as_object()["x"], 1);
  EXPECT_GT(up_->pid(), 0);
  // Two clients of a shared child may both use id 1: each gets its own answer.
  auto a = call(request(1, "echo", {{"who", "a"}}));
  auto b = call(request(1, "echo", {{"who", "b"}}));
  EXPECT_EQ(a.back()["result"].as_object()["params"].as_object()["who"], "a");
  EXPECT_EQ(b.back()["result"].as_object()["params"].as_object()["who"], "b");
}

// MCP stdio transport: the server MUST NOT write anything to stdout that is not a valid MCP
// message. A child that does has the line skipped (and logged); nothing of it reaches the client.
TEST_F(StdioUpstreamTest, LinesThatAreNotJsonRpcAreIgnored) {
  start();
  auto got = call(request(2, "noise"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["result"].as_object()["after"], "noise");
  EXPECT_EQ(call(request(3, "log")).size(), 1u) << "stderr is the log, not a message";
}

TEST_F(StdioUpstreamTest, ChildDeathAnswersTheRequestInFlight) {
  start();
  auto got = call(request(4, "die"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["id"], 4);
  ASSERT_TRUE(got[0].contains("error"));
  EXPECT_EQ(got[0]["error"].as_object()["code"], mcp::code::upstream_unavailable);
}

// After the child died, the next request starts a new one, and the client's handshake is replayed
// to it first (initialize, then notifications/initialized): the client does not notice.
TEST_F(StdioUpstreamTest, RestartReplaysTheHandshake) {
  start();
  ASSERT_TRUE(call(initialize(1)).back().contains("result"));
  notify(json::object{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  auto before = call(request(2, "echo")).back()["result"].as_object();
  EXPECT_EQ(before["initialized"], true);
  call(request(3, "die"));
  auto after = call(request(4, "echo"));
  ASSERT_EQ(after.size(), 1u);
  auto result = after[0]["result"].as_object();
  EXPECT_NE(result["pid"], before["pid"]) << "a new child";
  EXPECT_EQ(result["initialized"], true) << "the new child was given the client's handshake";
  EXPECT_EQ(up_->restarts(), 1u);
}

// Every stateless client of an upstream shares one child, and clients pick the same ids (1, 2, …).
// A request is named by the inbox it was begun with: abandoning one client's request cancels
// that request at the child and no other, whatever its id.
TEST_F(StdioUpstreamTest, AbandonCancelsOnlyTheRequestOfThatInbox) {
  start();
  auto a = std::make_shared<Inbox>(io_.get_executor());
  auto b = std::make_shared<Inbox>(io_.get_executor());
  hold_both(a, b);
  EXPECT_EQ(up_->in_flight(), 2u);
  up_->abandon(*a);
  auto seen = cancellations();
  ASSERT_EQ(seen.size(), 1u) << "one notifications/cancelled";
  EXPECT_EQ(seen[0].as_object().at("reason"), "client went away");
  EXPECT_EQ(up_->in_flight(), 1u);
  release();
  EXPECT_EQ(waiting_reply(b)["result"].as_object()["released"], true) << "the other client's request still runs";
  EXPECT_FALSE(queued(a)) << "the abandoned request is forgotten";
}

// MCP cancellation (notifications/cancelled): a client's cancellation names its request by the
// client's id, which the child never saw. cancel() is told which request (its inbox), and the
// child gets the id it knows that request by, with the client's reason.
TEST_F(StdioUpstreamTest, CancelNamesTheRequestByTheIdTheChildKnows) {
  start();
  auto a = std::make_shared<Inbox>(io_.get_executor());
  auto b = std::make_shared<Inbox>(io_.get_executor());
  hold_both(a, b);
  json::object note{{"jsonrpc", "2.0"},
                    {"method", "notifications/cancelled"},
                    {"params", json::object{{"requestId", 1}, {"reason", "user pressed stop"}}}};
  run([&]() -> net::awaitable<void> {
    auto r = co_await up_->cancel(a.get(), note, steady::now() + std::chrono::seconds(10));
    EXPECT_TRUE(r);
    // The same notification through deliver(), or for a request this replica does not have,
    // names no request the gateway can be sure of: the child is told nothing.
    EXPECT_TRUE(co_await up_->deliver(note, steady::now() + std::chrono::seconds(10)));
    EXPECT_TRUE(co_await up_->cancel(nullptr, note, steady::now() + std::chrono::seconds(10)));
  });
  auto seen = cancellations();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].as_object().at("reason"), "user pressed stop");
  EXPECT_EQ(seen[0].as_object().at("requestId"), held_ids_[0]) << "a's request, by the child's id";
  EXPECT_NE(seen[0].as_object().at("requestId"), held_ids_[1]) << "not b's request (the later one with id 1)";
  release();
  EXPECT_EQ(waiting_reply(b)["result"].as_object()["released"], true);
  // Cancelled is forgotten (basic/utilities/cancellation): the answer the child sent anyway is not
  // the client's, and giving up on the request afterwards tells the child nothing more.
  EXPECT_FALSE(queued(a)) << "a's late answer was delivered";
  up_->abandon(*a);
  EXPECT_EQ(cancellations().size(), 1u) << "a second cancellation of a's request";
}

TEST_F(StdioUpstreamTest, CommandThatCannotRunFailsTheRequest) {
  start({"/nonexistent/mcp-server"});
  auto got = call(request(5, "echo"));
  ASSERT_EQ(got.size(), 1u);
  // exec fails in the child (status 127): the request gets an error, never a hang.
  EXPECT_TRUE(got[0].contains("error") || got[0].contains("begin_failed")) << serialize_json(got[0]);
}

}  // namespace
}  // namespace mcpgate::gateway
