// gateway::upstream_refusal: the gateway's own answer when the upstream failed, did not answer in
// time, or could not be given the request (the per-principal children limit). The answer keeps
// the upstream layer's JSON-RPC error as it is (id, code, message, data); the status says the
// gateway answered (502 / 504, 503 + Retry-After for the limit); refuse() counts it under the
// metric names clients and dashboards already read and audits only what concerns the caller.
#include "gateway/refusal.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "mcp/jsonrpc.hpp"
#include "support/memory_audit.hpp"

namespace mcpgate::gateway {
namespace {
namespace http = net::http;
namespace json = boost::json;

TEST(UpstreamRefusalTest, TimeoutIs504WithTheErrorUnchangedAndNotAudited) {
  Metrics metrics;
  testing::MemoryAudit audit;
  auto error = mcp::make_error(7, mcp::code::upstream_timeout, "Upstream did not answer in time");
  auto r = upstream_refusal(UpstreamFailure::timeout, error, 0.25);
  EXPECT_EQ(r.stage, Stage::upstream);
  auto res = refuse(r, metrics, audit.log(), {});
  EXPECT_EQ(res.result_int(), 504u);
  EXPECT_EQ(json::parse(res.body()), json::value(error));
  EXPECT_TRUE(res[http::field::retry_after].empty());
  auto text = metrics.render();
  EXPECT_NE(text.find("mcpgate_errors_total{reason=\"upstream_timeout\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("mcpgate_requests_total{code=\"5xx\"} 1\n"), std::string::npos);
  // An upstream that is slow is not a decision about the caller.
  EXPECT_TRUE(audit.records().empty());
}

// 2025-11-25 transports, "Session Management": the server answers 404 to a request whose
// Mcp-Session-Id it no longer knows, and the client starts a new session. The gateway says so
// when the upstream ended the session behind the client's.
TEST(UpstreamRefusalTest, SessionEndedUpstreamIs404SessionNotFoundCountedNotAudited) {
  Metrics metrics;
  testing::MemoryAudit audit;
  auto r = session_ended_refusal(json::value(12), 0.01);
  auto res = refuse(r, metrics, audit.log(), {});
  EXPECT_EQ(res.result_int(), 404u);
  auto body = json::parse(res.body()).as_object();
  EXPECT_EQ(body.at("id"), json::value(12));
  EXPECT_EQ(body.at("error").at("code").to_number<int>(), mcp::code::session_not_found);
  auto text = metrics.render();
  EXPECT_NE(text.find("mcpgate_errors_total{reason=\"unknown_session\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("mcpgate_requests_total{code=\"4xx\"} 1\n"), std::string::npos);
  EXPECT_TRUE(audit.records().empty());
}

// A timeout on a stream already open (its 200 is out) is counted like the 504 it would have been.
TEST(UpstreamRefusalTest, RecordedRefusalCountsLikeAnAnsweredOne) {
  Metrics metrics;
  testing::MemoryAudit audit;
  auto error = mcp::make_error(3, mcp::code::upstream_timeout, "Upstream did not answer in time");
  record_refusal(upstream_refusal(UpstreamFailure::timeout, error, 0.5), metrics, audit.log(), {});
  auto text = metrics.render();
  EXPECT_NE(text.find("mcpgate_errors_total{reason=\"upstream_timeout\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("mcpgate_requests_total{code=\"5xx\"} 1\n"), std::string::npos);
}

TEST(UpstreamRefusalTest, UnreachableIs502WithItsData) {
  Metrics metrics;
  testing::MemoryAudit audit;
  json::object data;
  data["upstream"] = "crm";
  data["reason"] = "unreachable";
  auto error = mcp::make_error("a", mcp::code::upstream_unavailable, "Upstream unavailable", json::value(data));
  auto res = refuse(upstream_refusal(UpstreamFailure::unreachable, error, 0), metrics, audit.log(), {});
  EXPECT_EQ(res.result_int(), 502u);
  EXPECT_EQ(json::parse(res.body()), json::value(error));
  EXPECT_NE(metrics.render().find("mcpgate_errors_total{reason=\"upstream_unavailable\"} 1\n"), std::string::npos);
  EXPECT_TRUE(audit.records().empty());
}

TEST(UpstreamRefusalTest, CredentialFailureIs502AndAuditedWithTheErrorNotAToken) {
  Metrics metrics;
  testing::MemoryAudit audit;
  auto error = mcp::make_error(1, mcp::code::upstream_unavailable, "Token exchange refused: invalid_target");
  auto res = refuse(upstream_refusal(UpstreamFailure::credentials, error, 0), metrics, audit.log(), {});
  EXPECT_EQ(res.result_int(), 502u);
  EXPECT_EQ(json::parse(res.body()), json::value(error));
  auto records = audit.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].decision, "failed");
  EXPECT_EQ(records[0].rule, "credentials");
  EXPECT_EQ(records[0].reason, "Token exchange refused: invalid_target");
}

TEST(UpstreamRefusalTest, ChildrenLimitIs503WithRetryAfterCountedAsALimit) {
  Metrics metrics;
  testing::MemoryAudit audit;
  json::object data;
  data["upstream"] = "notes";
  data["reason"] = "children_limit";
  data["retryAfterSeconds"] = kOverloadRetryAfterSeconds;
  auto error = mcp::make_error(3, mcp::code::overloaded, "Overloaded: upstream 'notes' runs as many children as it may",
                               json::value(data));
  auto r = upstream_refusal(UpstreamFailure::at_capacity, error, 0);
  EXPECT_EQ(r.stage, Stage::limit);
  auto res = refuse(r, metrics, audit.log(), {});
  EXPECT_EQ(res.result_int(), 503u);
  EXPECT_EQ(res[http::field::retry_after], std::to_string(kOverloadRetryAfterSeconds));
  // The limit's data keeps the upstream's name beside the reason and the delay.
  EXPECT_EQ(json::parse(res.body()), json::value(error));
  auto text = metrics.render();
  EXPECT_NE(text.find("mcpgate_refusals_total{reason=\"children_limit\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("mcpgate_errors_total{reason=\"overloaded\"} 1\n"), std::string::npos);
  auto records = audit.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].decision, "limited");
  EXPECT_EQ(records[0].reason, "children_limit");
}

// Fail closed across replicas: a replica whose view of revocations is too stale refuses the
// embedded server's tokens with 503 and Retry-After (RFC 9110 §10.2.3), a JSON-RPC error, and the
// reason in the audit record and metrics.
TEST(AuthRefusalTest, RevocationsUnknownIs503WithRetryAfterAndAJsonRpcError) {
  Metrics metrics;
  testing::MemoryAudit audit;
  auto r = auth_refusal({oauth::AuthError::revocations_unknown, {"https://gw.example/.well-known/x", {}}});
  auto res = refuse(r, metrics, audit.log(), {});
  EXPECT_EQ(res.result_int(), 503u);
  EXPECT_EQ(res[http::field::retry_after], "1");
  auto body = json::parse(res.body()).as_object();
  EXPECT_EQ(body.at("error").at("code").as_int64(), mcp::code::unauthorized);
  EXPECT_EQ(r.reason, "revocations_unknown");
  auto records = audit.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].reason, "revocations_unknown");
}

}  // namespace
}  // namespace mcpgate::gateway
