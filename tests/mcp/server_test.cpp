// McpServer library: protocol behaviour in both eras, MRTR, URI templates, sealed state, and the
// stdio and HTTP transports. No test sleeps: concurrency is driven by message order.
#include "mcpgate/server.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/beast/http.hpp>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/json.hpp"
#include "mcp/server/server_impl.hpp"

namespace mcpgate {
namespace {

namespace asio = net::asio;
using mcp::server::Outlet;
using mcp::server::Session;

class FakeClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return t; }
  std::chrono::system_clock::time_point t{std::chrono::seconds(1'800'000'000)};
};

json::object parse_object(std::string_view text) {
  auto v = parse_json(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v->as_object();
}

json::object modern_meta(json::object caps = {}) {
  return {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
          {"io.modelcontextprotocol/clientCapabilities", std::move(caps)}};
}

mcp::Message request(std::int64_t id, std::string_view method, json::object params) {
  auto m = mcp::classify(mcp::make_request(id, method, std::move(params)));
  EXPECT_TRUE(m.has_value());
  return std::move(*m);
}

// Records what a handler sends on its request's stream. A server→client request is answered
// right away through `answer`, as a client on another connection would.
class RecordingOutlet final : public Outlet {
 public:
  std::vector<json::object> sent;
  std::function<void(const json::object&)> answer;
  net::awaitable<bool> send(json::object message) override {
    sent.push_back(message);
    if (answer && message.contains("id")) answer(message);
    co_return true;
  }
};

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() : server(ServerInfo{"test", "1.0", "", ""}) {
    session = std::make_shared<Session>();
    server.add_tool(Tool{"echo",
                         "",
                         "Echoes",
                         {{"type", "object"}},
                         {},
                         {},
                         {},
                         {},
                         sync_handler([](const json::object& args, RequestContext&) -> Reply {
                           return tool_text_result(json::serialize(args));
                         })});
    Tool ask{"ask_name", "", "Asks for a name", {{"type", "object"}}, {}, {}, {}, {}, {}};
    ask.handler = sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
      if (auto* in = ctx.input_responses(); in && in->contains("who") && ctx.state())
        return tool_text_result("hello " + json::serialize(in->at("who")) + " " + json::serialize(*ctx.state()));
      InputRequired ir;
      ir.input_requests["who"] = elicitation_input("Name?", {{"type", "object"}});
      ir.state = json::value("round-1");
      return ir;
    });
    server.add_tool(std::move(ask));
    Tool needs{"needs_sampling", "", "Needs sampling", {{"type", "object"}}, {}, {}, {}, {}, {}};
    needs.required_client_capabilities = {{"sampling", json::object{}}};
    needs.handler = sync_handler([](const json::object&, RequestContext&) -> Reply { return tool_text_result("ran"); });
    server.add_tool(std::move(needs));
    Tool progress{"progress", "", "Reports progress", {{"type", "object"}}, {}, {}, {}, {}, {}};
    progress.handler = [](const json::object&, RequestContext& ctx) -> Task<Reply> {
      co_await ctx.progress(1, 2);
      co_return tool_text_result("done");
    };
    server.add_tool(std::move(progress));
    server.add_resource_template(
        ResourceTemplate{"test://item/{id}/data", "item", "", "", "text/plain",
                         [](const ResourceRead& r, RequestContext&) -> Task<Reply> {
                           co_return json::object{
                               {"contents", json::array{json::object{{"uri", r.uri}, {"text", r.variables.at("id")}}}}};
                         }});
  }

  json::object call(const mcp::Message& m, ProtocolEra era, RecordingOutlet& outlet) {
    asio::io_context io;
    std::optional<json::object> out;
    asio::co_spawn(io, server.impl().handle(m, era, session.get(), outlet),
                   [&](std::exception_ptr e, std::optional<json::object> r) {
                     if (e) std::rethrow_exception(e);
                     out = std::move(r);
                   });
    io.run();
    EXPECT_TRUE(out.has_value());
    return out.value_or(json::object{});
  }
  json::object call(const mcp::Message& m, ProtocolEra era) {
    RecordingOutlet outlet;
    return call(m, era, outlet);
  }
  static std::int64_t error_code(const json::object& response) {
    auto* e = response.if_contains("error");
    return e ? e->at("code").as_int64() : 0;
  }

  McpServer server;
  std::shared_ptr<Session> session;
};

TEST_F(ServerTest, UnknownToolIsInvalidParamsNotMethodNotFound) {
  auto r = call(request(1, "tools/call", {{"name", "nope"}, {"_meta", modern_meta()}}), ProtocolEra::modern);
  EXPECT_EQ(error_code(r), -32602);
  EXPECT_EQ(r.at("id"), 1);
}

TEST_F(ServerTest, ModernEraHasNoInitializeOrPing) {
  // 2026-07-28 removed them; answering would make a dual-era client believe in a session.
  for (auto method : {"initialize", "ping", "logging/setLevel", "resources/subscribe"})
    EXPECT_EQ(error_code(call(request(5, method, {{"_meta", modern_meta()}}), ProtocolEra::modern)), -32601) << method;
}

TEST_F(ServerTest, ModernRequestWithoutMetaIsInvalidParams) {
  auto r = call(request(101, "server/discover", {}), ProtocolEra::modern);
  EXPECT_EQ(error_code(r), -32602);
  EXPECT_EQ(r.at("id"), 101);
}

TEST_F(ServerTest, UnsupportedVersionListsWhatWeSpeak) {
  json::object meta = modern_meta();
  meta["io.modelcontextprotocol/protocolVersion"] = "v999.0.0";
  auto r = call(request(301, "server/discover", {{"_meta", meta}}), ProtocolEra::modern);
  EXPECT_EQ(error_code(r), -32022);
  auto& data = r.at("error").at("data").as_object();
  EXPECT_EQ(data.at("requested"), "v999.0.0");
  EXPECT_FALSE(data.at("supported").as_array().empty());
}

TEST_F(ServerTest, ModernListsCarryResultTypeAndCacheHintsLegacyDoNot) {
  auto modern = call(request(1, "tools/list", {{"_meta", modern_meta()}}), ProtocolEra::modern);
  auto& mr = modern.at("result").as_object();
  EXPECT_EQ(mr.at("resultType"), "complete");
  EXPECT_EQ(mr.at("ttlMs"), 0);
  EXPECT_EQ(mr.at("cacheScope"), "private");
  auto legacy = call(request(2, "tools/list", {}), ProtocolEra::legacy);
  EXPECT_FALSE(legacy.at("result").as_object().contains("resultType"));
}

TEST_F(ServerTest, LegacyInitializeEchoesKnownVersionAndOffersNewestOtherwise) {
  auto r = call(request(0, "initialize", {{"protocolVersion", "2025-06-18"}, {"capabilities", json::object{}}}),
                ProtocolEra::legacy);
  EXPECT_EQ(r.at("result").at("protocolVersion"), "2025-06-18");
  r = call(request(0, "initialize", {{"protocolVersion", "1999-01-01"}, {"capabilities", json::object{}}}),
           ProtocolEra::legacy);
  EXPECT_EQ(r.at("result").at("protocolVersion"), "2025-11-25");
}

TEST_F(ServerTest, ModernInputRequiredRoundTripsSealedState) {
  json::object meta = modern_meta({{"elicitation", json::object{}}});
  auto r1 = call(request(1, "tools/call", {{"name", "ask_name"}, {"_meta", meta}}), ProtocolEra::modern);
  auto& res1 = r1.at("result").as_object();
  ASSERT_EQ(res1.at("resultType"), "input_required");
  EXPECT_EQ(res1.at("inputRequests").at("who").at("method"), "elicitation/create");
  std::string state(res1.at("requestState").as_string());

  json::object inputs{{"who", json::object{{"action", "accept"}}}};
  auto r2 = call(request(2, "tools/call",
                         {{"name", "ask_name"}, {"_meta", meta}, {"inputResponses", inputs}, {"requestState", state}}),
                 ProtocolEra::modern);
  EXPECT_EQ(r2.at("result").at("resultType"), "complete");

  // Tampering, or replaying the state on another tool, never reaches a handler.
  auto r3 = call(
      request(
          3, "tools/call",
          {{"name", "ask_name"}, {"_meta", meta}, {"inputResponses", inputs}, {"requestState", state + "-TAMPERED"}}),
      ProtocolEra::modern);
  EXPECT_EQ(error_code(r3), -32602);
  auto r4 = call(request(4, "tools/call",
                         {{"name", "echo"}, {"_meta", meta}, {"inputResponses", inputs}, {"requestState", state}}),
                 ProtocolEra::modern);
  EXPECT_EQ(error_code(r4), -32602);
}

TEST_F(ServerTest, InputResponsesMustBeObjects) {
  json::object meta = modern_meta({{"elicitation", json::object{}}});
  auto r = call(request(1, "tools/call", {{"name", "ask_name"}, {"_meta", meta}, {"inputResponses", nullptr}}),
                ProtocolEra::modern);
  EXPECT_EQ(error_code(r), -32602);
  r = call(request(2, "tools/call", {{"name", "ask_name"}, {"_meta", meta}, {"inputResponses", {{"who", 12345}}}}),
           ProtocolEra::modern);
  EXPECT_EQ(error_code(r), -32602);
}

TEST_F(ServerTest, InputRequestForUndeclaredCapabilityFailsClosed) {
  auto r =
      call(request(1, "tools/call", {{"name", "ask_name"}, {"_meta", modern_meta({{"sampling", json::object{}}})}}),
           ProtocolEra::modern);
  EXPECT_EQ(error_code(r), -32021);
  EXPECT_TRUE(r.at("error").at("data").at("requiredCapabilities").as_object().contains("elicitation"));
}

TEST_F(ServerTest, ToolRequiringCapabilityIsRefusedBeforeItRuns) {
  auto r =
      call(request(401, "tools/call", {{"name", "needs_sampling"}, {"_meta", modern_meta()}}), ProtocolEra::modern);
  EXPECT_EQ(error_code(r), -32021);
  EXPECT_TRUE(r.at("error").at("data").at("requiredCapabilities").at("sampling").is_object());
}

TEST_F(ServerTest, LegacyClientGetsInputRequestsAsServerRequests) {
  session->client_capabilities = {{"elicitation", json::object{}}};
  RecordingOutlet outlet;
  outlet.answer = [&](const json::object& req) {
    auto reply = mcp::classify(mcp::make_result(req.at("id"), json::object{{"action", "accept"}}));
    EXPECT_TRUE(server.impl().deliver(*session, *reply));
  };
  auto r = call(request(7, "tools/call", {{"name", "ask_name"}}), ProtocolEra::legacy, outlet);
  ASSERT_EQ(outlet.sent.size(), 1u);
  EXPECT_EQ(outlet.sent[0].at("method"), "elicitation/create");
  EXPECT_EQ(r.at("result").at("content").at(0).at("text"), R"(hello {"action":"accept"} "round-1")");
}

TEST_F(ServerTest, ProgressIsSentOnlyWithAToken) {
  RecordingOutlet quiet;
  call(request(1, "tools/call", {{"name", "progress"}}), ProtocolEra::legacy, quiet);
  EXPECT_TRUE(quiet.sent.empty());
  RecordingOutlet loud;
  call(request(1, "tools/call", {{"name", "progress"}, {"_meta", {{"progressToken", "t1"}}}}), ProtocolEra::legacy,
       loud);
  ASSERT_EQ(loud.sent.size(), 1u);
  EXPECT_EQ(loud.sent[0].at("params").at("progressToken"), "t1");
}

TEST_F(ServerTest, UnknownResourceNamesTheUri) {
  // SEP-2164: an error, never an empty contents list.
  auto r =
      call(request(1, "resources/read", {{"uri", "test://missing"}, {"_meta", modern_meta()}}), ProtocolEra::modern);
  EXPECT_EQ(error_code(r), -32602);
  EXPECT_EQ(r.at("error").at("data").at("uri"), "test://missing");
}

TEST_F(ServerTest, TemplateResourceGetsItsVariables) {
  auto r = call(request(1, "resources/read", {{"uri", "test://item/42/data"}}), ProtocolEra::legacy);
  EXPECT_EQ(r.at("result").at("contents").at(0).at("text"), "42");
}

TEST(UriTemplate, Level1ExpressionsMatchOneSegment) {
  auto t = mcp::server::UriTemplate::compile("test://template/{id}/data");
  ASSERT_TRUE(t.has_value());
  auto m = t->match("test://template/123/data");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->at("id"), "123");
  EXPECT_FALSE(t->match("test://template/1/2/data").has_value());  // '/' is not part of a value
  EXPECT_FALSE(t->match("test://template//data").has_value());     // empty value
  EXPECT_FALSE(t->match("test://template/123/data/more").has_value());
}

TEST(UriTemplate, RejectsWhatLevel1CannotSplit) {
  EXPECT_FALSE(mcp::server::UriTemplate::compile("x://{a}{b}").has_value());
  EXPECT_FALSE(mcp::server::UriTemplate::compile("x://{a").has_value());
  EXPECT_FALSE(mcp::server::UriTemplate::compile("x://{+a}").has_value());
}

TEST(StateSealer, OpensOnlyUnalteredUnexpiredAndBoundHere) {
  FakeClock clock;
  mcp::server::StateSealer sealer(Secret(std::string(32, 'k')), clock);
  auto token = sealer.seal(json::value{{"round", 2}}, "tools/call\nx", std::chrono::seconds(60));
  ASSERT_TRUE(sealer.open(token, "tools/call\nx").has_value());
  EXPECT_FALSE(sealer.open(token + "-TAMPERED", "tools/call\nx").has_value());
  EXPECT_FALSE(sealer.open(token, "tools/call\ny").has_value());
  mcp::server::StateSealer other(Secret(std::string(32, 'z')), clock);
  EXPECT_FALSE(other.open(token, "tools/call\nx").has_value());  // forged under another key
  clock.t += std::chrono::seconds(61);
  EXPECT_FALSE(sealer.open(token, "tools/call\nx").has_value());
}

// ---- stdio -------------------------------------------------------------------------------

std::vector<json::object> run_stdio(McpServer& server, const std::string& input) {
  int in[2], out[2];
  EXPECT_EQ(::pipe(in), 0);
  EXPECT_EQ(::pipe(out), 0);
  std::thread srv([&] {
    serve_stdio(server, in[0], out[1]);
    ::close(out[1]);
  });
  EXPECT_EQ(::write(in[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
  ::close(in[1]);  // end of file: the server must finish and return
  std::string all;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) all.append(buf, static_cast<std::size_t>(n));
  srv.join();
  ::close(in[0]);
  ::close(out[0]);
  std::vector<json::object> lines;
  for (std::size_t start = 0, nl; (nl = all.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(parse_object(std::string_view(all).substr(start, nl - start)));
  return lines;
}

TEST_F(ServerTest, StdioServesPingWhileAToolWaitsForTheClient) {
  std::string input =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}}}})"
      "\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"ask_name"}})"
      "\n"
      R"({"jsonrpc":"2.0","id":3,"method":"ping"})"
      "\n"
      R"({"jsonrpc":"2.0","id":0,"result":{"action":"accept"}})"
      "\n";
  auto lines = run_stdio(server, input);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].at("id"), 1);
  EXPECT_EQ(lines[1].at("method"), "elicitation/create");  // the tool is now waiting
  EXPECT_EQ(lines[2].at("id"), 3);                         // ping was not held up by it
  EXPECT_EQ(lines[3].at("id"), 2);
  EXPECT_FALSE(lines[3].at("result").as_object().contains("isError"));
}

TEST_F(ServerTest, StdioEofFailsWaitingServerRequestsAndExits) {
  std::string input =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}}}})"
      "\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"ask_name"}})"
      "\n";
  auto lines = run_stdio(server, input);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2].at("id"), 2);
  EXPECT_TRUE(lines[2].contains("error"));
}

TEST_F(ServerTest, StdioEofEndsRunningTasksAndExits) {
  // A task sleeping for an hour must not keep serve_stdio alive once nobody can poll it.
  Tool sleeper{"sleeper", "", "Sleeps", {{"type", "object"}}, {}, {}, {}, {}, {}};
  sleeper.task_support = TaskSupport::required;
  sleeper.handler = [](const json::object&, RequestContext& ctx) -> Task<Reply> {
    co_await ctx.sleep(std::chrono::hours(1));
    co_return tool_text_result("woke");
  };
  server.add_tool(std::move(sleeper));
  std::string input =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"sleeper","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}}}})"
      "\n";
  auto lines = run_stdio(server, input);  // returns: the test would hang otherwise
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("id"), 1);
}

TEST_F(ServerTest, StdioAnswersGarbageWithParseError) {
  auto lines = run_stdio(server, "{not json}\n{\"a\":1,\"a\":2}\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(error_code(lines[0]), -32700);
  EXPECT_EQ(error_code(lines[1]), -32700);  // duplicate keys are rejected, not resolved
}

std::string pings(int n) {
  std::string input;
  for (int i = 1; i <= n; ++i)
    input += R"({"jsonrpc":"2.0","id":)" + std::to_string(i) +
             R"(,"method":"ping"})"
             "\n";
  return input;
}

std::vector<json::object> parse_lines(const std::string& all) {
  std::vector<json::object> lines;
  for (std::size_t start = 0, nl; (nl = all.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(parse_object(std::string_view(all).substr(start, nl - start)));
  return lines;
}

TEST_F(ServerTest, StdioAnswersEveryLineOfABurstInOrderOfArrival) {
  // Answers produced in one turn of the loop leave in one write: none may be lost or torn.
  auto lines = run_stdio(server, pings(1000));
  ASSERT_EQ(lines.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(lines[i].at("id"), i + 1);
}

TEST_F(ServerTest, StdioLeavesThePipesFlagsAsItFoundThem) {
  // The non-blocking flag is the open file's, shared with whoever gave us the descriptor.
  int in[2], out[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::pipe(out), 0);
  int in_before = ::fcntl(in[0], F_GETFL), out_before = ::fcntl(out[1], F_GETFL);
  std::string input = pings(3);
  ASSERT_EQ(::write(in[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
  ::close(in[1]);
  serve_stdio(server, in[0], out[1]);
  EXPECT_EQ(::fcntl(in[0], F_GETFL), in_before);
  EXPECT_EQ(::fcntl(out[1], F_GETFL), out_before);
  EXPECT_EQ(::fcntl(in[0], F_GETFD), 0) << "the descriptor we were given is still open";
  ::close(out[1]);
  std::string all;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) all.append(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(parse_lines(all).size(), 3u);
  ::close(in[0]);
  ::close(out[0]);
}

TEST_F(ServerTest, StdioServesFromAFileIntoAFile) {
  // Regular files cannot be waited on with epoll: a reader thread and blocking writes serve them.
  char in_path[] = "/tmp/mcpgate-stdio-in-XXXXXX", out_path[] = "/tmp/mcpgate-stdio-out-XXXXXX";
  int in = ::mkstemp(in_path), out = ::mkstemp(out_path);
  ASSERT_GE(in, 0);
  ASSERT_GE(out, 0);
  std::string input =
      pings(50) + "{not json}\n" + R"({"jsonrpc":"2.0","id":"last","method":"ping"})";  // no final newline
  ASSERT_EQ(::write(in, input.data(), input.size()), static_cast<ssize_t>(input.size()));
  ASSERT_EQ(::lseek(in, 0, SEEK_SET), 0);
  serve_stdio(server, in, out);
  ::close(in);
  ::close(out);
  std::ifstream f(out_path);
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ::unlink(in_path);
  ::unlink(out_path);
  auto lines = parse_lines(all);
  ASSERT_EQ(lines.size(), 52u);
  EXPECT_EQ(lines[0].at("id"), 1);
  EXPECT_EQ(lines[49].at("id"), 50);
  EXPECT_EQ(error_code(lines[50]), -32700);
  EXPECT_EQ(lines[51].at("id"), "last");
}

TEST_F(ServerTest, StdioServesOneSocketInBothDirections) {
  // in_fd == out_fd: each direction gets its own registration with the reactor.
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  std::thread srv([&] { serve_stdio(server, sv[1], sv[1]); });
  std::string input = pings(20);
  ASSERT_EQ(::write(sv[0], input.data(), input.size()), static_cast<ssize_t>(input.size()));
  ::shutdown(sv[0], SHUT_WR);  // end of input; the answers still come back on the same socket
  std::string all;
  char buf[4096];
  while (std::count(all.begin(), all.end(), '\n') < 20) {
    ssize_t n = ::read(sv[0], buf, sizeof buf);
    if (n <= 0) break;
    all.append(buf, static_cast<std::size_t>(n));
  }
  srv.join();
  ::close(sv[0]);
  ::close(sv[1]);
  auto lines = parse_lines(all);
  ASSERT_EQ(lines.size(), 20u);
  EXPECT_EQ(lines[19].at("id"), 20);
}

// ---- HTTP --------------------------------------------------------------------------------

struct HttpReply {
  unsigned status;
  std::string session;
  std::string content_type;
  std::string body;
};

HttpReply send_http(std::uint16_t port, net::http::verb verb, std::string body,
                    std::vector<std::pair<std::string, std::string>> headers) {
  asio::io_context io;
  net::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  net::Request req{verb, "/mcp", 11};
  req.set(net::http::field::host, "127.0.0.1:" + std::to_string(port));
  req.set(net::http::field::content_type, "application/json");
  req.set(net::http::field::accept, "application/json, text/event-stream");
  for (auto& [k, v] : headers) req.set(k, v);
  req.body() = std::move(body);
  req.prepare_payload();
  net::http::write(socket, req);
  net::beast::flat_buffer buf;
  net::Response res;
  net::http::read(socket, buf, res);
  return {res.result_int(), std::string(res["Mcp-Session-Id"]), std::string(res[net::http::field::content_type]),
          res.body()};
}

class HttpTest : public ServerTest {
 protected:
  void SetUp() override {
    transport = std::make_unique<HttpTransport>(server, HttpOptions{});
    transport->start();
    port = transport->port();
  }
  void TearDown() override {
    transport->stop();
    transport->wait();
  }
  std::unique_ptr<HttpTransport> transport;
  std::uint16_t port = 0;
};

constexpr std::string_view kInitialize =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}})";

TEST_F(HttpTest, RebindingHostIsForbidden) {
  auto r = send_http(port, net::http::verb::post, std::string(kInitialize), {{"Host", "evil.example.com"}});
  EXPECT_EQ(r.status, 403u);
  r = send_http(port, net::http::verb::post, std::string(kInitialize), {{"Origin", "http://evil.example.com"}});
  EXPECT_EQ(r.status, 403u);
}

// The library's front door tells the application about each refusal by name (HttpOptions::
// on_refusal), so that a server can count them as the gateway does in /metrics.
TEST_F(ServerTest, HttpRefusalsAreReportedByName) {
  std::mutex mu;
  std::vector<std::string> reasons;
  HttpOptions options;
  options.on_refusal = [&](std::string_view reason) {
    std::lock_guard lock(mu);
    reasons.emplace_back(reason);
  };
  HttpTransport transport(server, options);
  transport.start();
  auto port = transport.port();
  EXPECT_EQ(send_http(port, net::http::verb::post, std::string(kInitialize), {{"Host", "evil.example.com"}}).status,
            403u);
  EXPECT_EQ(send_http(port, net::http::verb::post, "{not json", {}).status, 400u);
  EXPECT_EQ(send_http(port, net::http::verb::post, R"({"jsonrpc":"2.0","id":2,"method":"ping"})", {}).status, 400u);
  EXPECT_EQ(send_http(port, net::http::verb::put, "", {}).status, 405u);
  EXPECT_EQ(send_http(port, net::http::verb::post, std::string(kInitialize), {}).status, 200u);  // not a refusal
  transport.stop();
  transport.wait();
  std::lock_guard lock(mu);
  EXPECT_EQ(reasons, (std::vector<std::string>{"forbidden_host_or_origin", "parse_error", "session_required",
                                               "method_not_allowed"}));
}

TEST_F(HttpTest, LegacySessionLifecycle) {
  auto init = send_http(port, net::http::verb::post, std::string(kInitialize), {});
  ASSERT_EQ(init.status, 200u);
  ASSERT_FALSE(init.session.empty());
  std::string ping = R"({"jsonrpc":"2.0","id":2,"method":"ping"})";
  EXPECT_EQ(send_http(port, net::http::verb::post, ping, {}).status, 400u);  // no session
  auto ok = send_http(port, net::http::verb::post, ping, {{"Mcp-Session-Id", init.session}});
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.content_type, "application/json");  // nothing streamed: plain JSON
  EXPECT_EQ(send_http(port, net::http::verb::delete_, "", {{"Mcp-Session-Id", init.session}}).status, 200u);
  EXPECT_EQ(send_http(port, net::http::verb::post, ping, {{"Mcp-Session-Id", init.session}}).status, 404u);
}

// Opens the session's standalone GET stream on `socket` and returns its status (the stream itself
// is left open).
unsigned open_get_stream(net::tcp::socket& socket, std::uint16_t port, const std::string& session) {
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  std::string req = "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nAccept: text/event-stream\r\nMcp-Session-Id: " + session + "\r\n\r\n";
  asio::write(socket, asio::buffer(req));
  std::string head;
  char buf[512];
  while (head.find("\r\n\r\n") == std::string::npos) {
    net::error_code ec;
    auto n = socket.read_some(asio::buffer(buf), ec);
    head.append(buf, n);
    if (ec) break;
  }
  return head.size() > 12 ? static_cast<unsigned>(std::stoi(head.substr(9, 3))) : 0;
}

TEST_F(HttpTest, StandaloneStreamIsFreedAsSoonAsItsClientLeaves) {
  // One GET stream per session (a second is 409). A client that drops its stream and opens
  // another (the TypeScript SDK reconnecting) must get it now, not after the next keep-alive
  // write (15 s) would have found the first one dead.
  auto init = send_http(port, net::http::verb::post, std::string(kInitialize), {});
  ASSERT_EQ(init.status, 200u);
  asio::io_context io;
  net::tcp::socket first(io);
  ASSERT_EQ(open_get_stream(first, port, init.session), 200u);
  {
    net::tcp::socket second(io);
    EXPECT_EQ(open_get_stream(second, port, init.session), 409u) << "one stream per session";
  }
  first.close();
  unsigned status = 0;
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (status != 200u && std::chrono::steady_clock::now() < give_up) {
    net::tcp::socket again(io);
    status = open_get_stream(again, port, init.session);
    if (status != 200u) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status, 200u) << "the stream its client left still held the session's slot";
}

TEST_F(HttpTest, ModernHeaderMustMatchBody) {
  std::string body =
      R"({"jsonrpc":"2.0","id":302,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"v999.0.0","io.modelcontextprotocol/clientCapabilities":{}}}})";
  auto r = send_http(port, net::http::verb::post, body,
                     {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/list"}});
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(error_code(parse_object(r.body)), -32020);
  body =
      R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}})";
  r = send_http(port, net::http::verb::post, body,
                {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/call"}});
  EXPECT_EQ(error_code(parse_object(r.body)), -32020);
  r = send_http(port, net::http::verb::post, body,
                {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/list"}});
  EXPECT_EQ(r.status, 200u);
}

TEST_F(HttpTest, ModernInitializeIsNotFound) {
  std::string body =
      R"({"jsonrpc":"2.0","id":500,"method":"initialize","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}})";
  auto r = send_http(port, net::http::verb::post, body,
                     {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "initialize"}});
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(error_code(parse_object(r.body)), -32601);
}

TEST_F(HttpTest, ProgressTurnsTheAnswerIntoAnEventStream) {
  auto init = send_http(port, net::http::verb::post, std::string(kInitialize), {});
  std::string call =
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"progress","_meta":{"progressToken":9}}})";
  auto r = send_http(port, net::http::verb::post, call, {{"Mcp-Session-Id", init.session}});
  EXPECT_EQ(r.content_type, "text/event-stream");
  EXPECT_LT(r.body.find("notifications/progress"), r.body.find("\"id\":2"));
}

// SEP-2663 (Streamable HTTP routing headers): the task methods carry Mcp-Name: <taskId>. And a
// task belongs to the credentials that created it: another bearer cannot read or cancel it.
TEST_F(HttpTest, TaskMethodsAreRoutedByTaskIdAndBoundToTheCredentials) {
  Tool bg{"bg", "", "Runs as a task", {{"type", "object"}}, {}, {}, {}, {}, {}};
  bg.task_support = TaskSupport::optional;
  bg.handler = sync_handler([](const json::object&, RequestContext&) -> Reply { return tool_text_result("bg"); });
  server.add_tool(std::move(bg));
  const std::string meta =
      R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}})";
  auto post = [&](std::string method, std::string params, std::string name, std::string bearer) {
    std::string body =
        R"({"jsonrpc":"2.0","id":1,"method":")" + method + R"(","params":{)" + params + "," + meta + "}}";
    std::vector<std::pair<std::string, std::string>> h{{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", method}};
    if (!name.empty()) h.emplace_back("Mcp-Name", name);
    if (!bearer.empty()) h.emplace_back("Authorization", "Bearer " + bearer);
    return send_http(port, net::http::verb::post, body, h);
  };
  auto created = post("tools/call", R"("name":"bg")", "bg", "alice-token");
  ASSERT_EQ(created.status, 200u) << created.body;
  std::string id(parse_object(created.body).at("result").at("taskId").as_string());
  std::string get = R"("taskId":")" + id + R"(")";
  EXPECT_EQ(error_code(parse_object(post("tasks/get", get, "", "alice-token").body)), -32020);
  EXPECT_EQ(error_code(parse_object(post("tasks/get", get, "another-task", "alice-token").body)), -32020);
  EXPECT_EQ(error_code(parse_object(post("tasks/get", get, id, "mallory-token").body)), -32602);
  EXPECT_EQ(error_code(parse_object(post("tasks/cancel", get, id, "mallory-token").body)), -32602);
  EXPECT_EQ(error_code(parse_object(post("tasks/get", get, id, "").body)), -32602);
  auto mine = post("tasks/get", get, id, "alice-token");
  EXPECT_EQ(mine.status, 200u);
  EXPECT_EQ(parse_object(mine.body).at("result").at("taskId").as_string(), id);
}

}  // namespace
}  // namespace mcpgate
