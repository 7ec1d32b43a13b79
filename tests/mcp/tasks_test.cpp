// Tasks (2026-07-28 extension io.modelcontextprotocol/tasks, SEP-2663): the bounded store, and
// the task surface of McpServer. No sleeps: the store runs on an injected clock, and tasks run on
// an io_context the test drives, so "the task finished" is "the io_context ran out of work".
#include "mcp/server/tasks.hpp"

#include <gtest/gtest.h>

#include "core/json.hpp"
#include "core/random.hpp"
#include "mcp/server/server_impl.hpp"
#include "mcp/server/task_store.hpp"
#include "mcpgate/server.hpp"

namespace mcpgate {
namespace {

namespace asio = net::asio;
using mcp::server::Outlet;
using mcp::server::TaskStatus;
using mcp::server::TaskStore;

class FakeClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return t; }
  std::chrono::system_clock::time_point t{std::chrono::seconds(1'800'000'000)};
};

// ---------------------------------------------------------------------------------------------
// TaskStore

TEST(TaskStore, TaskStaysReadableForItsTtlAndNoLonger) {
  // SEP-2663: a server MUST NOT expire a task before its ttlMs.
  FakeClock clock;
  TaskStore store(10, std::chrono::milliseconds(60'000), clock, system_random());
  auto t = store.create("", "tool");
  ASSERT_TRUE(t);
  clock.t += std::chrono::milliseconds(59'999);
  EXPECT_TRUE(store.find(t->id, ""));
  clock.t += std::chrono::milliseconds(1);
  EXPECT_FALSE(store.find(t->id, ""));
}

TEST(TaskStore, FullStoreEvictsOldestFinishedTaskAndRefusesWhenAllRun) {
  // Every cache has a bound: a client creating tasks in a loop cannot grow the server.
  FakeClock clock;
  TaskStore store(2, std::chrono::milliseconds(60'000), clock, system_random());
  auto a = store.create("", "tool");
  clock.t += std::chrono::milliseconds(1);
  auto b = store.create("", "tool");
  ASSERT_TRUE(a && b);
  store.complete(*a, tool_text_result("done"));
  auto c = store.create("", "tool");
  ASSERT_TRUE(c);
  EXPECT_FALSE(store.find(a->id, ""));
  EXPECT_TRUE(store.find(b->id, ""));
  // b and c are still running: their clients are owed a result, so nothing is evicted.
  EXPECT_FALSE(store.create("", "tool"));
  EXPECT_EQ(store.size(), 2u);
}

TEST(TaskStore, ExpiredRunningTaskIsCancelledAndEvicted) {
  FakeClock clock;
  TaskStore store(1, std::chrono::milliseconds(1'000), clock, system_random());
  auto a = store.create("", "tool");
  bool woken = false;
  store.set_wake(*a, [&] { woken = true; });
  clock.t += std::chrono::milliseconds(1'000);
  EXPECT_TRUE(store.create("", "tool"));
  EXPECT_TRUE(woken);
  EXPECT_TRUE(store.is_cancelled(*a));
}

TEST(TaskStore, AnotherPrincipalCannotFindTheTask) {
  // A task id leaked to another principal must not give that principal the result.
  FakeClock clock;
  TaskStore store(10, std::chrono::milliseconds(60'000), clock, system_random());
  auto t = store.create("alice", "tool");
  EXPECT_TRUE(store.find(t->id, "alice"));
  EXPECT_FALSE(store.find(t->id, "bob"));
  EXPECT_FALSE(store.find(t->id, ""));
}

TEST(TaskStore, CancellationIsStickyAndALateResultIsDropped) {
  FakeClock clock;
  TaskStore store(10, std::chrono::milliseconds(60'000), clock, system_random());
  auto t = store.create("", "tool");
  EXPECT_TRUE(store.cancel(*t, "stop"));
  EXPECT_FALSE(store.complete(*t, tool_text_result("late")));
  EXPECT_FALSE(store.cancel(*t, "again"));
  auto d = store.describe(*t, std::chrono::milliseconds(100));
  EXPECT_EQ(d.at("status"), "cancelled");
  EXPECT_FALSE(d.contains("result"));
}

TEST(TaskStore, DescribeUsesV2WireFields) {
  // SEP-2663: ttlMs / pollIntervalMs (integers), RFC 3339 times, no v1 ttl / pollInterval.
  FakeClock clock;
  TaskStore store(10, std::chrono::milliseconds(60'000), clock, system_random());
  auto t = store.create("", "tool");
  auto d = store.describe(*t, std::chrono::milliseconds(500));
  EXPECT_EQ(d.at("ttlMs"), 60'000);
  EXPECT_EQ(d.at("pollIntervalMs"), 500);
  EXPECT_EQ(d.at("createdAt"), "2027-01-15T08:00:00.000Z");
  EXPECT_FALSE(d.contains("ttl"));
  EXPECT_FALSE(d.contains("pollInterval"));
  EXPECT_FALSE(d.contains("requestState"));
}

TEST(TaskStore, PartialAnswersKeepTheTaskWaiting) {
  FakeClock clock;
  TaskStore store(10, std::chrono::milliseconds(60'000), clock, system_random());
  auto t = store.create("", "tool");
  store.need_input(*t, json::object{{"a", json::object{}}, {"b", json::object{}}});
  store.answer(*t, json::object{{"a", json::object{{"action", "accept"}}}, {"zzz", json::object{}}});
  EXPECT_FALSE(store.take_answers(*t));
  auto d = store.describe(*t, std::chrono::milliseconds(100));
  EXPECT_EQ(d.at("status"), "input_required");
  EXPECT_FALSE(d.at("inputRequests").as_object().contains("a"));
  EXPECT_TRUE(d.at("inputRequests").as_object().contains("b"));
  store.answer(*t, json::object{{"b", json::object{{"action", "accept"}}}});
  auto r = store.take_answers(*t);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->cancelled);
  EXPECT_EQ(r->answers.size(), 2u);
}

// ---------------------------------------------------------------------------------------------
// The task surface of McpServer

class NullOutlet final : public Outlet {
 public:
  net::awaitable<bool> send(json::object) override { co_return true; }
};

json::object tasks_caps() {
  return {{"elicitation", json::object{}},
          {"extensions", json::object{{mcp::server::kTasksExtension, json::object{}}}}};
}

json::object meta(json::object caps) {
  return {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
          {"io.modelcontextprotocol/clientCapabilities", std::move(caps)}};
}

Tool make_tool(std::string name, TaskSupport support, ToolHandler handler) {
  Tool t;
  t.name = std::move(name);
  t.task_support = support;
  t.handler = std::move(handler);
  return t;
}

class TasksTest : public ::testing::Test {
 protected:
  TasksTest() : server(ServerInfo{"test", "1.0", "", ""}) {
    server.add_tool(make_tool(
        "quick", TaskSupport::optional,
        sync_handler([](const json::object&, RequestContext&) -> Reply { return tool_text_result("quick done"); })));
    server.add_tool(
        make_tool("must_task", TaskSupport::required,
                  sync_handler([](const json::object&, RequestContext&) -> Reply { return tool_text_result("ran"); })));
    server.add_tool(
        make_tool("crash", TaskSupport::optional, sync_handler([](const json::object&, RequestContext&) -> Reply {
                    return RpcError{-32603, "boom", std::nullopt};
                  })));
    server.add_tool(
        make_tool("forever", TaskSupport::optional, [](const json::object&, RequestContext& ctx) -> Task<Reply> {
          co_await ctx.sleep(std::chrono::hours(1));
          co_return tool_text_result(ctx.cancelled() ? "cancelled" : "slept");
        }));
    server.add_tool(make_tool("two_questions", TaskSupport::optional,
                              sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
                                if (auto* in = ctx.input_responses(); in && in->size() == 2)
                                  return tool_text_result("answers " + json::serialize(*in));
                                InputRequired ir;
                                ir.input_requests["a"] = elicitation_input("A?", {{"type", "object"}});
                                ir.input_requests["b"] = elicitation_input("B?", {{"type", "object"}});
                                ir.state = json::value("kept on the server");
                                return ir;
                              })));
    Tool gated =
        make_tool("gated", TaskSupport::required, sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
                    return tool_text_result("task saw " + json::serialize(*ctx.input_responses()));
                  }));
    gated.before_task = sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
      if (ctx.input_responses()) return json::object{};
      InputRequired ir;
      ir.input_requests["who"] = elicitation_input("Who?", {{"type", "object"}});
      return ir;
    });
    server.add_tool(std::move(gated));
  }

  // Runs one request on the test's io_context until it is answered; tasks it starts stay on it.
  json::object call(std::string_view method, json::object params, json::object caps = tasks_caps(),
                    std::string_view owner = {}) {
    params["_meta"] = meta(std::move(caps));
    auto m = mcp::classify(mcp::make_request(next_id++, method, std::move(params)));
    EXPECT_TRUE(m.has_value());
    std::optional<json::object> out;
    asio::co_spawn(io, server.impl().handle(*m, ProtocolEra::modern, nullptr, outlet, owner),
                   [&](std::exception_ptr e, std::optional<json::object> r) {
                     if (e) std::rethrow_exception(e);
                     out = std::move(r);
                   });
    while (!out) {
      io.restart();  // an io_context that ran out of work stays stopped until restarted
      io.run_one();
    }
    return *out;
  }
  // Runs every task to its end (returns only when no task has work left).
  void run_tasks() {
    io.restart();
    io.run();
  }
  // Runs what is ready now: tasks go as far as their first wait.
  void poll_tasks() {
    io.restart();
    io.poll();
  }
  json::object result(std::string_view method, json::object params, json::object caps = tasks_caps(),
                      std::string_view owner = {}) {
    auto r = call(method, std::move(params), std::move(caps), owner);
    EXPECT_TRUE(r.contains("result")) << json::serialize(r);
    return r.contains("result") ? r.at("result").as_object() : json::object{};
  }
  static std::int64_t error_code(const json::object& r) {
    auto* e = r.if_contains("error");
    return e ? e->at("code").as_int64() : 0;
  }
  std::string start(std::string_view tool, std::string_view owner = {}) {
    auto r = result("tools/call", {{"name", tool}}, tasks_caps(), owner);
    EXPECT_EQ(r.at("resultType"), "task") << json::serialize(r);
    return r.contains("taskId") ? std::string(r.at("taskId").as_string()) : std::string();
  }
  json::object get(const std::string& id) { return result("tasks/get", {{"taskId", id}}); }

  McpServer server;
  asio::io_context io;
  NullOutlet outlet;
  std::int64_t next_id = 1;
};

TEST_F(TasksTest, DiscoverAdvertisesTheExtensionNotTheV1Capability) {
  auto r = result("server/discover", {});
  auto& caps = r.at("capabilities").as_object();
  EXPECT_TRUE(caps.at("extensions").as_object().contains(mcp::server::kTasksExtension));
  EXPECT_FALSE(caps.contains("tasks"));
}

TEST_F(TasksTest, ToolsListDeclaresTaskSupport) {
  auto r = result("tools/list", {});
  for (auto& t : r.at("tools").as_array()) {
    auto& o = t.as_object();
    if (o.at("name") == "must_task") {
      EXPECT_EQ(o.at("execution").at("taskSupport"), "required");
    } else if (o.at("name") == "quick") {
      EXPECT_EQ(o.at("execution").at("taskSupport"), "optional");
    }
  }
}

TEST_F(TasksTest, TaskMethodsNeedTheExtension) {
  // SEP-2663 / SEP-2575 missing required capabilities: -32021 naming the extension.
  for (auto method : {"tasks/get", "tasks/update", "tasks/cancel"}) {
    auto r = call(method, {{"taskId", "x"}, {"inputResponses", json::object{}}}, json::object{});
    EXPECT_EQ(error_code(r), -32021) << method;
    EXPECT_TRUE(r.at("error")
                    .at("data")
                    .at("requiredCapabilities")
                    .at("extensions")
                    .as_object()
                    .contains(mcp::server::kTasksExtension));
  }
}

TEST_F(TasksTest, V1MethodsAreNotFoundAndUnknownTaskIsInvalidParams) {
  // SEP-2663 removed tasks/result and tasks/list (the result is inlined on tasks/get).
  EXPECT_EQ(error_code(call("tasks/result", {{"taskId", "x"}})), -32601);
  EXPECT_EQ(error_code(call("tasks/list", {})), -32601);
  EXPECT_EQ(error_code(call("tasks/get", {{"taskId", "no-such-task"}})), -32602);
  EXPECT_EQ(error_code(call("tasks/cancel", {{"taskId", "no-such-task"}})), -32602);
}

TEST_F(TasksTest, CreateTaskResultIsFlatAndReadableAtOnce) {
  auto r = result("tools/call", {{"name", "quick"}});
  EXPECT_EQ(r.at("resultType"), "task");
  EXPECT_EQ(r.at("status"), "working");
  for (auto key : {"task", "result", "error", "inputRequests", "requestState", "ttl", "pollInterval"})
    EXPECT_FALSE(r.contains(key)) << key;
  // Durable create: tasks/get resolves before the task has run at all.
  std::string id(r.at("taskId").as_string());
  EXPECT_EQ(get(id).at("taskId").as_string(), id);
  run_tasks();
  auto done = get(id);
  EXPECT_EQ(done.at("status"), "completed");
  EXPECT_EQ(done.at("resultType"), "complete");
  EXPECT_EQ(done.at("result").at("content").at(0).at("text"), "quick done");
}

TEST_F(TasksTest, WithoutTheExtensionOptionalRunsInlineAndRequiredIsRefused) {
  auto r = result("tools/call", {{"name", "quick"}}, json::object{});
  EXPECT_EQ(r.at("resultType"), "complete");
  EXPECT_FALSE(r.contains("taskId"));
  auto e = call("tools/call", {{"name", "must_task"}}, json::object{});
  EXPECT_EQ(error_code(e), -32021);
  EXPECT_TRUE(e.at("error")
                  .at("data")
                  .at("requiredCapabilities")
                  .at("extensions")
                  .as_object()
                  .contains(mcp::server::kTasksExtension));
}

TEST_F(TasksTest, LegacyEraNeverCreatesTasks) {
  auto session = std::make_shared<mcp::server::Session>();
  auto m = mcp::classify(mcp::make_request(1, "tools/call", {{"name", "quick"}}));
  std::optional<json::object> out;
  asio::co_spawn(io, server.impl().handle(*m, ProtocolEra::legacy, session.get(), outlet),
                 [&](std::exception_ptr, std::optional<json::object> r) { out = std::move(r); });
  run_tasks();
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->at("result").as_object().contains("taskId"));
}

TEST_F(TasksTest, ProtocolErrorFailsTheTaskWithAnInlinedError) {
  auto id = start("crash");
  run_tasks();
  auto r = get(id);
  EXPECT_EQ(r.at("status"), "failed");
  EXPECT_EQ(r.at("error").at("code"), -32603);
  EXPECT_FALSE(r.contains("result"));
}

TEST_F(TasksTest, CancelEndsASleepingTaskAndIsIdempotent) {
  auto id = start("forever");
  poll_tasks();  // the task is now asleep for an hour
  EXPECT_EQ(get(id).at("status"), "working");
  auto ack = result("tasks/cancel", {{"taskId", id}});
  EXPECT_EQ(ack.at("resultType"), "complete");
  EXPECT_FALSE(ack.contains("status"));
  // io.run() returns only because the cancel woke the sleeping handler and the task ended.
  run_tasks();
  EXPECT_EQ(get(id).at("status"), "cancelled");
  EXPECT_EQ(result("tasks/cancel", {{"taskId", id}}).at("resultType"), "complete");
}

TEST_F(TasksTest, InputRequestsAreAnsweredThroughTasksUpdateOneByOne) {
  auto id = start("two_questions");
  poll_tasks();
  auto waiting = get(id);
  ASSERT_EQ(waiting.at("status"), "input_required");
  EXPECT_EQ(waiting.at("inputRequests").as_object().size(), 2u);
  EXPECT_FALSE(waiting.contains("requestState"));
  auto ack = result("tasks/update", {{"taskId", id}, {"inputResponses", {{"a", {{"action", "accept"}}}}}});
  EXPECT_EQ(ack.at("resultType"), "complete");
  poll_tasks();
  auto half = get(id);
  EXPECT_EQ(half.at("status"), "input_required");
  EXPECT_FALSE(half.at("inputRequests").as_object().contains("a"));
  result("tasks/update", {{"taskId", id}, {"inputResponses", {{"b", {{"action", "decline"}}}}}});
  run_tasks();
  auto done = get(id);
  ASSERT_EQ(done.at("status"), "completed");
  auto text = std::string(done.at("result").at("content").at(0).at("text").as_string());
  EXPECT_NE(text.find("decline"), std::string::npos);
}

TEST_F(TasksTest, UpdateRejectsMalformedResponses) {
  auto id = start("two_questions");
  poll_tasks();
  EXPECT_EQ(error_code(call("tasks/update", {{"taskId", id}, {"inputResponses", 12}})), -32602);
  EXPECT_EQ(error_code(call("tasks/update", {{"taskId", id}, {"inputResponses", {{"a", 1}}}})), -32602);
  result("tasks/cancel", {{"taskId", id}});
  run_tasks();
}

TEST_F(TasksTest, InputRoundsBeforeTheTaskRunInline) {
  // MRTR then task (SEP-2663 composition): round 1 is an input-required result without a task,
  // round 2 creates the task, and the task sees round 2's answers.
  auto r1 = result("tools/call", {{"name", "gated"}});
  EXPECT_EQ(r1.at("resultType"), "input_required");
  EXPECT_FALSE(r1.contains("taskId"));
  auto r2 = result("tools/call", {{"name", "gated"}, {"inputResponses", {{"who", {{"action", "accept"}}}}}});
  ASSERT_EQ(r2.at("resultType"), "task");
  EXPECT_FALSE(r2.contains("requestState"));
  run_tasks();
  auto done = get(std::string(r2.at("taskId").as_string()));
  auto text = std::string(done.at("result").at("content").at(0).at("text").as_string());
  EXPECT_NE(text.find("accept"), std::string::npos);
}

TEST_F(TasksTest, ATaskBelongsToThePrincipalThatCreatedIt) {
  auto id = start("quick", "alice");
  run_tasks();
  EXPECT_EQ(error_code(call("tasks/get", {{"taskId", id}}, tasks_caps(), "bob")), -32602);
  EXPECT_EQ(error_code(call("tasks/cancel", {{"taskId", id}}, tasks_caps(), "bob")), -32602);
  EXPECT_EQ(result("tasks/get", {{"taskId", id}}, tasks_caps(), "alice").at("status"), "completed");
}

}  // namespace
}  // namespace mcpgate
