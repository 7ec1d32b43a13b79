// The gateway's front door in process, on 127.0.0.1 port 0: every request here is refused or
// answered before any upstream is contacted (the configured upstream does not exist).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/gateway_config.hpp"
#include "gateway/gateway.hpp"

namespace mcpgate::gateway {
namespace {
namespace http = net::http;
namespace asio = net::asio;

class EndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = config::parse_gateway_config(R"(listen: 127.0.0.1:0
threads: 1
servers:
  - name: s
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: u
        http: { url: "http://127.0.0.1:9/mcp" }
)");
    ASSERT_TRUE(cfg) << cfg.error().message;
    gw_ = std::make_unique<Gateway>(std::move(*cfg));
    gw_->start();
  }
  void TearDown() override {
    gw_->stop();
    gw_->wait();
  }

  // One request on its own connection (closed after the answer).
  net::Response send(net::Request req) {
    if (req.find(http::field::host) == req.end())
      req.set(http::field::host, "127.0.0.1:" + std::to_string(gw_->port()));
    req.keep_alive(false);
    req.prepare_payload();
    asio::io_context io;
    net::tcp::socket s(io);
    s.connect(net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), gw_->port()));
    http::write(s, req);
    net::beast::flat_buffer buf;
    net::Response res;
    http::read(s, buf, res);
    return res;
  }

  net::Response post(std::string body, std::string content_type = "application/json",
                     std::string accept = "application/json, text/event-stream") {
    net::Request req{http::verb::post, "/mcp", 11};
    req.set(http::field::content_type, content_type);
    req.set(http::field::accept, accept);
    req.body() = std::move(body);
    return send(std::move(req));
  }

  net::Response get(std::string target, std::string host = {}, std::string origin = {}) {
    net::Request req{http::verb::get, target, 11};
    if (!host.empty()) req.set(http::field::host, host);
    if (!origin.empty()) req.set(http::field::origin, origin);
    return send(std::move(req));
  }

  static std::int64_t rpc_code(const net::Response& res) {
    auto v = boost::json::parse(res.body());
    return v.at("error").at("code").as_int64();
  }

  std::unique_ptr<Gateway> gw_;
};

TEST_F(EndpointTest, Health) {
  auto res = get("/healthz");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "ok\n");
}

TEST_F(EndpointTest, RebindingHostIsForbidden) {
  EXPECT_EQ(get("/healthz", "evil.example:" + std::to_string(gw_->port())).result_int(), 403u);
  EXPECT_EQ(get("/mcp", "evil.example").result_int(), 403u);
  EXPECT_EQ(get("/healthz", "localhost:" + std::to_string(gw_->port())).result_int(), 200u);
}

TEST_F(EndpointTest, ForeignAndNullOriginsAreForbidden) {
  auto res = get("/healthz", {}, "null");
  EXPECT_EQ(res.result_int(), 403u);
  EXPECT_EQ(rpc_code(res), -32600);
  EXPECT_EQ(get("/healthz", {}, "https://evil.example").result_int(), 403u);
  EXPECT_EQ(get("/healthz", {}, "https://localhost:1234").result_int(), 200u);
}

TEST_F(EndpointTest, PostNeedsJsonContentType) {
  auto res = post("{}", "text/plain");
  EXPECT_EQ(res.result_int(), 415u);
  EXPECT_EQ(post("{}", "application/jsonx").result_int(), 415u);
}

TEST_F(EndpointTest, PostNeedsAcceptableResponseType) {
  EXPECT_EQ(post(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", "application/json", "text/html").result_int(), 406u);
}

TEST_F(EndpointTest, UnparseableBodyIsAParseError) {
  auto res = post("{");
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_EQ(rpc_code(res), -32700);
  // Duplicate keys are refused before anything could act on either value.
  res = post(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","method":"ping"})");
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_EQ(rpc_code(res), -32700);
}

TEST_F(EndpointTest, BatchesAreRefused) {
  auto res = post(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_EQ(rpc_code(res), -32600);
}

TEST_F(EndpointTest, InvalidEnvelopeEchoesAUsableId) {
  auto res = post(R"({"id":"abc","method":"ping"})");
  EXPECT_EQ(res.result_int(), 400u);
  auto v = boost::json::parse(res.body());
  EXPECT_EQ(v.at("id").as_string(), "abc");
  EXPECT_EQ(v.at("error").at("code").as_int64(), -32600);
  res = post(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})");
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_TRUE(boost::json::parse(res.body()).at("id").is_null()) << "an invalid id is not echoed";
}

TEST_F(EndpointTest, LegacyRequestsNeedASession) {
  auto res = post(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  EXPECT_EQ(res.result_int(), 400u);
  net::Request req{http::verb::post, "/mcp", 11};
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json, text/event-stream");
  req.set("Mcp-Session-Id", "no-such-session");
  req.body() = R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})";
  res = send(std::move(req));
  EXPECT_EQ(res.result_int(), 404u);
  EXPECT_EQ(boost::json::parse(res.body()).at("id").as_int64(), 2);
}

TEST_F(EndpointTest, OtherMethodsAndPaths) {
  net::Request put{http::verb::put, "/mcp", 11};
  auto res = send(std::move(put));
  EXPECT_EQ(res.result_int(), 405u);
  EXPECT_NE(res[http::field::allow].find("POST"), std::string::npos);
  EXPECT_EQ(get("/nope").result_int(), 404u);
  EXPECT_EQ(get("/mcp/extra").result_int(), 404u);
}

TEST_F(EndpointTest, CorsPreflightForAnAllowedOrigin) {
  net::Request req{http::verb::options, "/mcp", 11};
  req.set(http::field::origin, "http://localhost:5173");
  auto res = send(std::move(req));
  EXPECT_EQ(res.result_int(), 204u);
  EXPECT_EQ(res[http::field::access_control_allow_origin], "http://localhost:5173");
  EXPECT_NE(res[http::field::access_control_allow_headers].find("Mcp-Session-Id"), std::string::npos);
}

TEST_F(EndpointTest, RefusalsAreCountedByReason) {
  get("/healthz", "evil.example");
  post("{");
  post("{}", "text/plain");
  auto res = get("/metrics");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_NE(res.body().find("mcpgate_errors_total{reason=\"forbidden_origin\"} 1\n"), std::string::npos);
  EXPECT_NE(res.body().find("mcpgate_errors_total{reason=\"parse_error\"} 1\n"), std::string::npos);
  EXPECT_NE(res.body().find("mcpgate_errors_total{reason=\"unsupported_media_type\"} 1\n"), std::string::npos);
}

}  // namespace
}  // namespace mcpgate::gateway
