// The resource-server half of an endpoint (gateway/authorizer) and the one function that answers,
// counts and audits its refusals (gateway/refusal). Each case asserts the HTTP status, the
// WWW-Authenticate challenge (RFC 6750 §3, RFC 9728 §5.1, MCP authorization "Error Handling" and
// "Scope Challenge Handling"), the refusal's reason name, and what refuse() counted and audited.
// Tokens come from a fake issuer whose key set the authorizer reads in process; time is a fake.
#include "gateway/authorizer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "config/gateway_config.hpp"
#include "gateway/refusal.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_fetcher.hpp"
#include "support/fake_key_set.hpp"
#include "support/memory_audit.hpp"

namespace mcpgate::gateway {
namespace {
namespace asio = net::asio;
namespace http = net::http;
namespace json = boost::json;

constexpr std::string_view kIssuer = "https://as.test";
constexpr std::string_view kResource = "https://gw.test/mcp";
constexpr std::string_view kPrm = "https://gw.test/.well-known/oauth-protected-resource/mcp";

using AuthOutcome = expected<Caller, AuthRefusal>;

// A plain coroutine, not a capturing lambda: g++ 12 mishandles lambda captures in coroutines.
net::awaitable<void> authenticate_into(const Authorizer* a, net::Request req, asio::thread_pool* pool,
                                       std::optional<AuthOutcome>* out) {
  *out = co_await a->authenticate(req, *pool);
}

class AuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override { build(""); }

  // The endpoint under test; `extra_auth` adds keys under `auth:`.
  void build(const std::string& extra_auth) {
    auto cfg = config::parse_gateway_config(std::string(R"(public_url: https://gw.test
servers:
  - name: s
    path: /mcp
    auth:
      authorization_servers: [https://as.test]
      scopes_supported: [mcp:read, mcp:write]
      required_scopes: [mcp:read]
      issuers:
        - { issuer: "https://as.test", algorithms: [ES256] }
)") + extra_auth + R"(
    policy:
      rules:
        - { id: readers, tools: ["get_*"], scopes: [mcp:read] }
        - { id: writers, tools: ["update_*"], scopes: [mcp:write] }
    upstreams:
      - name: u
        http: { url: "http://127.0.0.1:9/mcp" }
)");
    ASSERT_TRUE(cfg) << cfg.error().message;
    cfg_ = std::move(*cfg);
    authz_ = std::make_unique<Authorizer>(cfg_, cfg_.servers[0], clock_, fetcher_,
                                          [this](const std::string&) { return keys_.source(); });
  }

  json::object claims(std::string scope = "mcp:read") const {
    auto now = clock_.seconds();
    return json::object{{"iss", kIssuer}, {"aud", kResource}, {"sub", "alice"}, {"client_id", "agent-1"},
                        {"iat", now},     {"exp", now + 600}, {"scope", scope}};
  }
  static json::object with(json::object o, std::string_view k, json::value v) {
    o[k] = std::move(v);
    return o;
  }

  AuthOutcome authenticate(std::optional<std::string> authorization) {
    net::Request req{http::verb::post, "/mcp", 11};
    if (authorization) req.set(http::field::authorization, *authorization);
    asio::io_context io;
    asio::thread_pool pool(1);
    std::optional<AuthOutcome> out;
    asio::co_spawn(io, authenticate_into(authz_.get(), std::move(req), &pool, &out), asio::detached);
    io.run();
    pool.join();
    EXPECT_TRUE(out.has_value());
    return std::move(*out);
  }

  // The refusal through the one function: answer, metric and audit record together.
  net::Response refused(const Refusal& r) {
    AuditRecord who;
    who.request_id = "req-1";
    who.endpoint = "/mcp";
    return refuse(r, metrics_, audit_.log(), who);
  }
  std::uint64_t metric(const std::string& series) const {
    auto text = metrics_.render();
    auto at = text.find(series + " ");
    if (at == std::string::npos) return ~0ull;
    return std::stoull(text.substr(at + series.size() + 1));
  }
  static json::object body(const net::Response& r) { return json::parse(r.body()).as_object(); }
  static std::string challenge(const net::Response& r) { return std::string(r[http::field::www_authenticate]); }

  // Every refusal of authentication: the answer, the reason, the counters, the audit record, and
  // no token anywhere in them.
  void expect_unauthenticated(const AuthOutcome& out, oauth::AuthError error, unsigned status,
                              const std::string& token = {}) {
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().error, error);
    auto r = auth_refusal(out.error());
    EXPECT_EQ(r.stage, Stage::authentication);
    EXPECT_EQ(r.reason, oauth::name(error));
    auto res = refused(r);
    EXPECT_EQ(res.result_int(), status);
    EXPECT_EQ(res[http::field::cache_control], "no-store");
    auto b = body(res);
    EXPECT_TRUE(b.at("id").is_null());
    EXPECT_EQ(b.at("error").at("code").to_number<int>(), mcp::code::unauthorized);
    EXPECT_EQ(metric("mcpgate_auth_refusals_total{reason=\"" + std::string(oauth::name(error)) + "\"}"), 1u);
    EXPECT_EQ(metric("mcpgate_errors_total{reason=\"unauthorized\"}"), 1u);
    auto records = audit_.records();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].decision, "unauthenticated");
    EXPECT_EQ(records[0].reason, oauth::name(error));
    EXPECT_EQ(records[0].request_id, "req-1");
    EXPECT_TRUE(records[0].subject.empty());
    if (!token.empty()) {
      // MCP authorization, "Token Handling"; house rule 8: no token material in answers, logs, metrics.
      EXPECT_EQ(res.body().find(token), std::string::npos);
      EXPECT_EQ(challenge(res).find(token), std::string::npos);
      EXPECT_EQ(metrics_.render().find(token), std::string::npos);
      EXPECT_EQ(records[0].reason.find(token), std::string::npos);
      EXPECT_EQ(records[0].rule.find(token), std::string::npos);
    }
  }

  testing::FakeClock clock_;
  testing::FakeKeySet keys_;
  std::shared_ptr<testing::FakeFetcher> fetcher_ = std::make_shared<testing::FakeFetcher>();
  config::Gateway cfg_;
  std::unique_ptr<Authorizer> authz_;
  Metrics metrics_;
  testing::MemoryAudit audit_;
};

TEST_F(AuthorizerTest, ValidTokenGivesTheCaller) {
  auto out = authenticate("Bearer " + keys_.mint(claims()));
  ASSERT_TRUE(out.has_value()) << oauth::name(out.error().error);
  EXPECT_EQ(out->principal->subject, "alice");
  EXPECT_FALSE(out->missing_required_scopes);
  EXPECT_TRUE(audit_.records().empty());
}

// RFC 6750 §3.1: no error code when the request carried no authentication; RFC 9728 §5.1 and MCP
// authorization "Protected Resource Metadata Discovery": resource_metadata in the 401 challenge.
TEST_F(AuthorizerTest, NoTokenIs401WithResourceMetadataAndScope_Rfc6750_3_1) {
  auto out = authenticate(std::nullopt);
  expect_unauthenticated(out, oauth::AuthError::missing_token, 401);
  auto res = answer_for(auth_refusal(out.error()));
  EXPECT_EQ(challenge(res), std::string("Bearer resource_metadata=\"") + std::string(kPrm) + "\", scope=\"mcp:read\"");
}

TEST_F(AuthorizerTest, MalformedTokenIs401InvalidToken) {
  auto out = authenticate("Bearer not-a-jwt");
  expect_unauthenticated(out, oauth::AuthError::malformed_token, 401, "not-a-jwt");
  auto ch = challenge(answer_for(auth_refusal(out.error())));
  EXPECT_TRUE(ch.starts_with("Bearer error=\"invalid_token\"")) << ch;
  EXPECT_NE(ch.find(std::string("resource_metadata=\"") + std::string(kPrm) + "\""), std::string::npos) << ch;
}

TEST_F(AuthorizerTest, ExpiredTokenIs401InvalidToken) {
  auto token = keys_.mint(with(claims(), "exp", clock_.seconds() - 3600));
  auto out = authenticate("Bearer " + token);
  expect_unauthenticated(out, oauth::AuthError::expired, 401, token);
  EXPECT_TRUE(challenge(answer_for(auth_refusal(out.error()))).starts_with("Bearer error=\"invalid_token\""));
}

// RFC 8707 / MCP authorization "Token Audience Binding and Validation": a token for another
// resource is refused.
TEST_F(AuthorizerTest, WrongAudienceIs401InvalidToken) {
  auto token = keys_.mint(with(claims(), "aud", "https://other.test/mcp"));
  auto out = authenticate("Bearer " + token);
  expect_unauthenticated(out, oauth::AuthError::wrong_audience, 401, token);
}

TEST_F(AuthorizerTest, UnreachableKeySetIs503WithoutChallenge) {
  keys_.failing(true);
  build("");  // a fresh cache that has never held the keys
  auto out = authenticate("Bearer " + keys_.mint(claims()));
  expect_unauthenticated(out, oauth::AuthError::keys_unavailable, 503);
  EXPECT_EQ(challenge(answer_for(auth_refusal(out.error()))), "");  // our fault, not the token's
}

// RFC 7662 §2: an opaque token is introspected; an introspection endpoint that cannot be asked
// is the gateway's failure (503, no challenge), never a verdict on the token.
TEST_F(AuthorizerTest, IntrospectionFailureIs503WithoutChallenge) {
  build("      introspection: { endpoint: \"https://as.test/introspect\", client_id: gw, client_secret: s }\n");
  auto out = authenticate("Bearer opaque-token-0123");
  expect_unauthenticated(out, oauth::AuthError::introspection_failed, 503, "opaque-token-0123");
  EXPECT_EQ(challenge(answer_for(auth_refusal(out.error()))), "");
  ASSERT_EQ(fetcher_->requests().size(), 1u);
  EXPECT_EQ(fetcher_->requests()[0].url, "https://as.test/introspect");
}

// RFC 6750 §3.1 insufficient_scope; MCP authorization "Scope Challenge Handling": the 403 names
// the scopes to ask for. A token without the endpoint's baseline is authenticated but marked.
TEST_F(AuthorizerTest, MissingBaselineScopeIs403InsufficientScope_Rfc6750_3_1) {
  auto out = authenticate("Bearer " + keys_.mint(claims("other")));
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->missing_required_scopes);
  auto r = auth_refusal(authz_->baseline_refusal(), Stage::scope_baseline);
  EXPECT_EQ(r.reason, "insufficient_scope");
  AuditRecord who;
  who.subject = out->principal->subject;
  auto res = refuse(r, metrics_, audit_.log(), who);
  EXPECT_EQ(res.result_int(), 403u);
  auto ch = challenge(res);
  EXPECT_TRUE(ch.starts_with("Bearer error=\"insufficient_scope\", scope=\"mcp:read\"")) << ch;
  EXPECT_NE(ch.find(std::string("resource_metadata=\"") + std::string(kPrm) + "\""), std::string::npos) << ch;
  EXPECT_EQ(body(res).at("error").at("code").to_number<int>(), mcp::code::forbidden);
  EXPECT_EQ(metric("mcpgate_policy_decisions_total{decision=\"deny\"}"), 1u);
  EXPECT_EQ(metric("mcpgate_errors_total{reason=\"unauthorized\"}"), 0u);
  auto records = audit_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].decision, "deny");
  EXPECT_EQ(records[0].rule, "required_scopes");
  EXPECT_EQ(records[0].reason, "insufficient_scope");
  EXPECT_EQ(records[0].subject, "alice");
}

// Step-up (SEP-835): the policy's 403 names every scope the operation needs plus the baseline.
TEST_F(AuthorizerTest, PolicyInsufficientScopeNamesTheOperationsScopesAndTheBaseline) {
  auto caller = authenticate("Bearer " + keys_.mint(claims("mcp:read")));
  ASSERT_TRUE(caller.has_value());
  policy::Target t{policy::TargetKind::tool, "update_customer", "tools/call", "u"};
  auto d = authz_->decide(*caller, t, nullptr);
  ASSERT_EQ(d.outcome, policy::Outcome::insufficient_scope);
  auto r = authz_->refusal(d, 7);
  EXPECT_EQ(r.stage, Stage::policy);
  EXPECT_EQ(r.reason, "insufficient_scope");
  EXPECT_EQ(r.rule, "writers");
  auto res = answer_for(r);
  EXPECT_EQ(res.result_int(), 403u);
  auto ch = challenge(res);
  EXPECT_NE(ch.find("error=\"insufficient_scope\""), std::string::npos) << ch;
  EXPECT_NE(ch.find("scope=\"mcp:write mcp:read\""), std::string::npos) << ch;
  EXPECT_EQ(body(res).at("id"), 7);
  EXPECT_EQ(body(res).at("error").at("code").to_number<int>(), mcp::code::forbidden);
}

TEST_F(AuthorizerTest, PolicyForbiddenHasNoChallenge) {
  auto caller = authenticate("Bearer " + keys_.mint(claims("mcp:read mcp:write")));
  ASSERT_TRUE(caller.has_value());
  policy::Target t{policy::TargetKind::tool, "delete_customer", "tools/call", "u"};
  auto d = authz_->decide(*caller, t, nullptr);
  ASSERT_EQ(d.outcome, policy::Outcome::forbidden);
  auto r = authz_->refusal(d, "a");
  EXPECT_EQ(r.reason, "forbidden");
  auto res = answer_for(r);
  EXPECT_EQ(res.result_int(), 403u);
  EXPECT_EQ(challenge(res), "");  // no scope would help: no step-up invitation
  EXPECT_EQ(body(res).at("id"), "a");
}

// The other stages go through the same function: a limit is counted where it always was and
// audited as limited; a front-door refusal is counted by its reason and audited as deny.
TEST(RefusalTest, LimitAndFrontDoorRefusalsAreCountedAndAudited) {
  Metrics metrics;
  testing::MemoryAudit audit;
  auto quota = refuse(quota_refusal(Refused{LimitRefusal::rate_limited_tool, 3}, 4), metrics, audit.log(), {});
  EXPECT_EQ(quota.result_int(), 429u);
  EXPECT_EQ(quota[http::field::retry_after], "3");
  auto qb = json::parse(quota.body()).as_object();
  EXPECT_EQ(qb.at("error").at("code").to_number<int>(), mcp::code::rate_limited);
  EXPECT_EQ(qb.at("error").at("data").at("reason"), "rate_limited_tool");
  auto shed = refuse(overload_refusal(Shed::queue_full, nullptr), metrics, audit.log(), {});
  EXPECT_EQ(shed.result_int(), 503u);
  EXPECT_EQ(json::parse(shed.body()).at("error").at("code").to_number<int>(), mcp::code::overloaded);
  auto front = refuse(front_door_refusal(mcp::front::method_not_allowed()), metrics, audit.log(), {});
  EXPECT_EQ(front.result_int(), 405u);
  EXPECT_EQ(front[http::field::allow], "POST");
  auto text = metrics.render();
  EXPECT_NE(text.find("mcpgate_refusals_total{reason=\"rate_limited_tool\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("mcpgate_refusals_total{reason=\"overloaded_queue_full\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("mcpgate_errors_total{reason=\"overloaded\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("mcpgate_errors_total{reason=\"method_not_allowed\"} 1\n"), std::string::npos);
  auto records = audit.records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].decision, "limited");
  EXPECT_EQ(records[0].reason, "rate_limited_tool");
  EXPECT_EQ(records[1].decision, "limited");
  EXPECT_EQ(records[1].reason, "overloaded_queue_full");
  EXPECT_EQ(records[2].decision, "deny");
  EXPECT_EQ(records[2].rule, "front-door");
  EXPECT_EQ(records[2].reason, "method_not_allowed");
}

}  // namespace
}  // namespace mcpgate::gateway
