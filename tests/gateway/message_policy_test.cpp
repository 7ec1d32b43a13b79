// The policy stage of every client message (message_policy.hpp), on an anonymous endpoint with a
// policy: names rewritten to the canonical form that is judged, refusals with their status and
// JSON-RPC code, notifications sorted by the method table.
#include "gateway/message_policy.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/gateway_config.hpp"
#include "core/clock.hpp"

namespace mcpgate::gateway {
namespace {
namespace json = boost::json;

class MessagePolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = config::parse_gateway_config(R"(servers:
  - name: s
    path: /mcp
    auth: { anonymous: true }
    policy:
      rules:
        - { id: public, resources: ["RES://PUBLIC/*"] }
        - { id: tools, tools: ["read_*"] }
        - { id: vendor, methods: [notifications/acme] }
    upstreams:
      - name: u
        http: { url: "http://127.0.0.1:9/mcp" }
)");
    ASSERT_TRUE(cfg) << cfg.error().message;
    cfg_ = std::move(*cfg);
    authz_ = std::make_unique<Authorizer>(cfg_, cfg_.servers[0], clock_, nullptr);
  }
  Verdict request(json::object& r) {
    return judge_request(*authz_, Caller{}, r, std::string(r["method"].get_string()), "u", nullptr);
  }
  static json::object read(std::string uri) {
    return json::object{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "resources/read"}, {"params", {{"uri", uri}}}};
  }
  static int code_of(const net::Response& r) { return json::parse(r.body()).at("error").at("code").to_number<int>(); }

  SystemClock clock_;
  config::Gateway cfg_;
  std::unique_ptr<Authorizer> authz_;
};

TEST_F(MessagePolicyTest, ForwardsTheCanonicalFormThatWasJudged) {
  auto r = read("Res://Public/a/%2E%2E/%41");
  auto v = request(r);
  EXPECT_FALSE(v.refusal);
  ASSERT_EQ(v.judged.size(), 1u);
  EXPECT_EQ(v.judged[0].target.name, "res://public/A");
  EXPECT_EQ(r.at("params").at("uri"), "res://public/A");  // the body the upstream gets
}

// res://public/../secret matched res://public/* and reached the upstream.
TEST_F(MessagePolicyTest, RefusesWhatCannotBeMatchedUnambiguously) {
  for (auto uri :
       {"res://public/../secret/1", "res://public/%2e%2e/secret", "res://public/a%2fb", "res://public/1%00"}) {
    auto r = read(uri);
    auto v = request(r);
    ASSERT_TRUE(v.refusal) << uri;
    EXPECT_EQ(v.refusal->result_int(), 400u) << uri;
    EXPECT_EQ(code_of(*v.refusal), -32602) << uri;
    ASSERT_EQ(v.judged.size(), 1u);
    EXPECT_EQ(v.judged[0].decision.rule, "canonical-form");
    EXPECT_EQ(r.at("params").at("uri"), uri);  // untouched: never forwarded anyway
  }
  json::object call{{"id", 2}, {"method", "tools/call"}, {"params", {{"name", "read_x "}}}};
  EXPECT_EQ(request(call).refusal->result_int(), 400u);
  json::object complete{
      {"id", 3}, {"method", "completion/complete"}, {"params", {{"ref", {{"type", "ref/other"}, {"name", "x"}}}}}};
  EXPECT_EQ(request(complete).refusal->result_int(), 400u);
}

TEST_F(MessagePolicyTest, EverySubscriptionUriIsJudged) {
  json::object listen{
      {"id", 4},
      {"method", "subscriptions/listen"},
      {"params", {{"notifications", {{"resourceSubscriptions", {"RES://public/1", "res://public/./2"}}}}}}};
  auto v = request(listen);
  EXPECT_FALSE(v.refusal);
  EXPECT_EQ(v.judged.size(), 2u);
  EXPECT_EQ(listen.at("params").at("notifications").at("resourceSubscriptions"),
            (json::array{"res://public/1", "res://public/2"}));
  listen["params"].as_object()["notifications"].as_object()["resourceSubscriptions"] =
      json::array{"res://public/1", "res://other/2"};
  v = request(listen);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->result_int(), 403u);
}

TEST_F(MessagePolicyTest, UnknownRequestMethodsFailClosed) {
  json::object custom{{"id", 5}, {"method", "acme/run"}, {"params", json::object{}}};
  auto v = request(custom);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->result_int(), 403u);
  EXPECT_EQ(v.judged.at(0).decision.rule, "unknown-method");
  json::object list{{"id", 6}, {"method", "tools/list"}};
  EXPECT_FALSE(request(list).refusal);  // authentication alone
}

// A tools/call without an id, sent with a read-only token, ran the write tool upstream.
TEST_F(MessagePolicyTest, NotificationsAreSortedByTheTable) {
  json::object note{{"method", "tools/call"}, {"params", {{"name", "write_file"}}}};
  auto v = judge_notification(*authz_, Caller{}, note, "tools/call", "u");
  ASSERT_TRUE(v.refusal);
  EXPECT_TRUE(v.malformed);
  EXPECT_EQ(v.refusal->result_int(), 400u);
  EXPECT_EQ(v.judged.at(0).target.name, "write_file");  // named in the audit record
  EXPECT_FALSE(judge_notification(*authz_, Caller{}, {}, "notifications/initialized", "u").refusal);
  EXPECT_FALSE(judge_notification(*authz_, Caller{}, {}, "notifications/acme", "u").refusal);  // named by a rule
  auto other = judge_notification(*authz_, Caller{}, {}, "notifications/other", "u");
  ASSERT_TRUE(other.refusal);
  EXPECT_EQ(other.refusal->result_int(), 403u);
}

// A client answers only ids it was given, spelled as they were given.
TEST(ServerRequestId, OnlyTheGatewaysOwnSpelling) {
  EXPECT_EQ(server_request_upstream("mcpgate:0:5"), 0u);
  EXPECT_EQ(server_request_upstream("mcpgate:12:0"), 12u);
  for (auto bad : {"mcpgate:0:5x", "mcpgate:0:05", "mcpgate:00:5", "mcpgate:-1:5", "mcpgate:0:", "mcpgate::5",
                   "mcpgate:0", "mcpgate:0:+5", "mcpgate:0: 5", "other:0:5", "mcpgate:0:5:6"})
    EXPECT_FALSE(server_request_upstream(bad)) << bad;
}

}  // namespace
}  // namespace mcpgate::gateway
