// Each check's verdict from canned answers of a simulated MCP server (ScriptedFetcher): the
// weaknesses the audit exists to find, the server that has none, and the hostile server that
// must not make it crash, loop or send anything but its allow-list.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "audit/auditor.hpp"
#include "audit/probe.hpp"
#include "core/base64url.hpp"
#include "core/json.hpp"
#include "scripted_fetcher.hpp"

namespace mcpgate::audit {
namespace {
namespace json = boost::json;
using testing::answer;
using testing::header_of;
using testing::ScriptedFetcher;

constexpr const char* kEndpoint = "https://mcp.example/mcp";
constexpr const char* kPrmUrl = "https://mcp.example/.well-known/oauth-protected-resource/mcp";

// A simulated server; every weakness a switch.
struct Sim {
  bool auth = true;
  bool prm = true;
  bool challenge_metadata = true;
  bool origin_check = true;
  bool accept_alg_none = false;
  bool hsts = true;
  std::string prm_resource = kEndpoint;
  std::string issuer_in_metadata = "https://as.example";
  std::string response_types = R"(["code"])";
  std::string pkce = R"(["S256"])";
  std::vector<std::string> methods;  // every JSON-RPC method received

  Result<oauth::HttpFetchResponse> operator()(const oauth::HttpFetchRequest& r) {
    std::vector<std::pair<std::string, std::string>> common;
    if (hsts) common.emplace_back("strict-transport-security", "max-age=31536000");
    if (r.method == "GET") {
      if (r.url == kPrmUrl && prm)
        return answer(200, R"({"resource":")" + prm_resource +
                               R"(","authorization_servers":["https://as.example"],"scopes_supported":["mcp:read"],)"
                               R"("bearer_methods_supported":["header"]})");
      if (r.url == "https://as.example/.well-known/oauth-authorization-server")
        return answer(200, R"({"issuer":")" + issuer_in_metadata +
                               R"(","authorization_endpoint":"https://as.example/authorize",)"
                               R"("token_endpoint":"https://as.example/token","jwks_uri":"https://as.example/jwks",)"
                               R"("response_types_supported":)" +
                               response_types + R"(,"code_challenge_methods_supported":)" + pkce +
                               R"(,"client_id_metadata_document_supported":true,)"
                               R"("authorization_response_iss_parameter_supported":true})");
      if (r.url == "https://as.example/jwks") return answer(200, R"({"keys":[]})");
      return answer(404, "{}");
    }
    auto body = parse_json(r.body);
    std::string method;
    if (body && body->is_object())
      if (auto* m = body->as_object().if_contains("method"); m && m->is_string()) method = m->as_string();
    methods.push_back(method);
    auto origin = header_of(r, "Origin");
    if (origin_check && !origin.empty()) return answer(403, R"({"error":"origin"})", common);
    if (auth && !authorized(header_of(r, "Authorization"))) {
      std::string c = "Bearer scope=\"mcp:read\"";
      if (challenge_metadata) c += std::string(", resource_metadata=\"") + kPrmUrl + "\"";
      common.emplace_back("www-authenticate", c);
      return answer(401, "{}", common);
    }
    if (body && body->is_object() && !body->as_object().contains("id")) return answer(202, "", common);
    if (method == "initialize") common.emplace_back("mcp-session-id", "s1");
    return answer(200, R"({"jsonrpc":"2.0","id":1,"result":{"tools":[]}})", common);
  }

  bool authorized(const std::string& header) const {
    if (header == "Bearer good") return true;
    if (!accept_alg_none || !header.starts_with("Bearer ")) return false;
    auto token = header.substr(7);
    auto h = base64url_decode(token.substr(0, token.find('.')));
    return h && h->find("\"none\"") != std::string::npos;
  }
};

struct Run {
  EndpointReport report;
  std::vector<oauth::HttpFetchRequest> asked;
};

Run audit(Sim& sim, std::optional<std::string> token = std::nullopt, std::string url = kEndpoint) {
  ScriptedFetcher f([&](const oauth::HttpFetchRequest& r) { return sim(r); });
  AuditOptions o;
  if (token) o.token = Secret(*token);
  auto report = audit_endpoint(url, f, o);
  return {std::move(report), f.asked};
}

Verdict verdict(const EndpointReport& r, std::string_view id) {
  for (auto& f : r.findings)
    if (f.id == id) return f.verdict;
  ADD_FAILURE() << "no finding " << id;
  return Verdict::skipped;
}

TEST(AuditChecks, ServerWithoutWeaknessesPassesEveryCheck) {
  Sim sim;
  auto run = audit(sim, "good");
  for (auto& f : run.report.findings)
    EXPECT_TRUE(f.verdict == Verdict::pass || f.verdict == Verdict::skipped) << f.id << ": " << f.summary;
  EXPECT_EQ(verdict(run.report, "operator.accepted"), Verdict::pass);
  EXPECT_EQ(verdict(run.report, "operator.audience"), Verdict::skipped);  // opaque token
  EXPECT_EQ(exit_code(run.report), kExitPass);
  EXPECT_FALSE(run.report.anonymous_access);
}

TEST(AuditChecks, EveryRequestSaysWhatItIs) {
  Sim sim;
  auto run = audit(sim);
  ASSERT_FALSE(run.asked.empty());
  for (auto& r : run.asked) EXPECT_EQ(header_of(r, "User-Agent"), kUserAgent);
  EXPECT_EQ(run.report.requests, run.asked.size());
}

// MCP authorization, Token Requirements: authorization is required on every request.
TEST(AuditChecks, AnonymousToolsListFailsAndAuthChecksAreSkipped) {
  Sim sim;
  sim.auth = false;
  auto run = audit(sim);
  EXPECT_TRUE(run.report.anonymous_access);
  EXPECT_EQ(verdict(run.report, "anonymous.tools_list"), Verdict::fail);
  EXPECT_EQ(verdict(run.report, "prm.resource"), Verdict::skipped);
  EXPECT_EQ(verdict(run.report, "token.alg_none"), Verdict::skipped);
  EXPECT_EQ(exit_code(run.report), kExitFail);
}

// RFC 8725 §3.1: alg none must never be accepted.
TEST(AuditChecks, AlgNoneAcceptedFails) {
  Sim sim;
  sim.accept_alg_none = true;
  auto run = audit(sim);
  EXPECT_EQ(verdict(run.report, "token.alg_none"), Verdict::fail);
  EXPECT_EQ(verdict(run.report, "token.malformed"), Verdict::pass);
  EXPECT_EQ(verdict(run.report, "token.expired"), Verdict::pass);
}

// RFC 9728 §5.1 / MCP: the challenge advertises the metadata; without it, the well-known URL.
TEST(AuditChecks, MissingPrmFailsAndMissingChallengeParameterWarns) {
  Sim sim;
  sim.prm = false;
  sim.challenge_metadata = false;
  auto run = audit(sim);
  EXPECT_EQ(verdict(run.report, "challenge.resource_metadata"), Verdict::warn);
  EXPECT_EQ(verdict(run.report, "prm.well_known"), Verdict::fail);
  EXPECT_EQ(verdict(run.report, "as.metadata"), Verdict::skipped);
}

// RFC 9728 §3.3: `resource` MUST be identical to the resource the document was fetched for.
TEST(AuditChecks, PrmNamingAnotherResourceFails) {
  Sim sim;
  sim.prm_resource = "https://other.example/mcp";
  auto run = audit(sim);
  EXPECT_EQ(verdict(run.report, "prm.resource"), Verdict::fail);
}

// RFC 8414 §3.3: issuer identity (mix-up); PKCE S256; no implicit flow.
TEST(AuditChecks, AuthorizationServerMetadataWeaknessesFail) {
  Sim sim;
  sim.issuer_in_metadata = "https://evil.example";
  EXPECT_EQ(verdict(audit(sim).report, "as.metadata"), Verdict::fail);
  Sim weak;
  weak.response_types = R"(["code","token"])";
  weak.pkce = R"(["plain"])";
  auto run = audit(weak);
  EXPECT_EQ(verdict(run.report, "as.response_types"), Verdict::fail);
  EXPECT_EQ(verdict(run.report, "as.pkce_s256"), Verdict::fail);
}

// MCP transports, Security Warning: a foreign Origin MUST get 403 (DNS rebinding).
TEST(AuditChecks, ForeignOriginServedFails) {
  Sim sim;
  sim.origin_check = false;
  EXPECT_EQ(verdict(audit(sim, "good").report, "transport.origin"), Verdict::fail);
  // Without a token, a 401 does not tell whether the Origin was looked at.
  EXPECT_EQ(verdict(audit(sim).report, "transport.origin"), Verdict::warn);
}

TEST(AuditChecks, PlainHttpRemoteFailsLoopbackWarns) {
  Sim sim;
  EXPECT_EQ(verdict(audit(sim, std::nullopt, "http://mcp.example/mcp").report, "transport.tls"), Verdict::fail);
  EXPECT_EQ(verdict(audit(sim, std::nullopt, "http://127.0.0.1:8080/mcp").report, "transport.tls"), Verdict::warn);
  sim.hsts = false;
  EXPECT_EQ(verdict(audit(sim).report, "transport.hsts"), Verdict::warn);
}

TEST(AuditChecks, UnreachableEndpointStopsAfterOneRequest) {
  ScriptedFetcher f(
      [](const oauth::HttpFetchRequest&) -> Result<oauth::HttpFetchResponse> { return fail("connection refused"); });
  auto r = audit_endpoint(kEndpoint, f, {});
  EXPECT_FALSE(r.reachable);
  EXPECT_EQ(exit_code(r), kExitUnreachable);
  EXPECT_EQ(f.asked.size(), 1u);
  EXPECT_FALSE(audit_endpoint("ftp://x/", f, {}).reachable);
}

// Streamable HTTP: a request may be answered with an SSE stream; the result is in one of its events.
TEST(AuditProbe, ResultInAnEventStreamCounts) {
  auto sse = answer(200,
                    "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n"
                    "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}\n\n",
                    {{"content-type", "text/event-stream"}});
  EXPECT_EQ(messages_of(sse).size(), 2u);
  EXPECT_TRUE(answered_with_result(sse));
  EXPECT_FALSE(answered_with_result(answer(200, R"({"jsonrpc":"2.0","id":1,"error":{"code":-32600}})")));
  EXPECT_FALSE(answered_with_result(answer(401, R"({"jsonrpc":"2.0","id":1,"result":{}})")));
}

// A 2025-11-25 server: the stateless tools/list is refused (400), initialize opens a session and
// tools/list in it is answered. Both are anonymous access.
TEST(AuditChecks, LegacySessionAnsweredWithoutTokenFailsBothChecks) {
  std::vector<std::string> sent;
  ScriptedFetcher f([&](const oauth::HttpFetchRequest& r) {
    if (r.method != "POST") return answer(404, "{}");
    bool modern = header_of(r, "MCP-Protocol-Version") == "2026-07-28";
    auto body = parse_json(r.body);
    std::string method(body->as_object().at("method").as_string());
    sent.push_back(method);
    if (modern) return answer(400, R"({"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"no session"}})");
    if (method == "initialize")
      return answer(200, R"({"jsonrpc":"2.0","id":1,"result":{}})", {{"mcp-session-id", "abc"}});
    if (header_of(r, "Mcp-Session-Id") != "abc") return answer(400, "{}");
    if (method == "notifications/initialized") return answer(202, "");
    return answer(200, R"({"jsonrpc":"2.0","id":1,"result":{"tools":[]}})");
  });
  auto r = audit_endpoint(kEndpoint, f, {});
  EXPECT_EQ(verdict(r, "anonymous.initialize"), Verdict::fail);
  EXPECT_EQ(verdict(r, "anonymous.tools_list"), Verdict::fail);
  ASSERT_GE(sent.size(), 4u);
  EXPECT_EQ((std::vector<std::string>(sent.begin(), sent.begin() + 4)),
            (std::vector<std::string>{"tools/list", "initialize", "notifications/initialized", "tools/list"}));
}

// The audit must never call a tool, whatever a caller asks of the probe.
TEST(AuditProbe, RefusesMethodsOutsideTheAllowList) {
  ScriptedFetcher f([](const oauth::HttpFetchRequest&) { return answer(200, "{}"); });
  Probe probe(f);
  for (auto m : {"tools/call", "resources/read", "prompts/get", "logging/setLevel"}) {
    McpPost p;
    p.url = kEndpoint;
    p.method = m;
    EXPECT_FALSE(probe.post(p)) << m;
  }
  EXPECT_TRUE(f.asked.empty());
}

// A budget too small for the whole audit: what could not be asked is skipped, not held against
// the server.
TEST(AuditChecks, ExhaustedBudgetSkipsRatherThanFails) {
  Sim sim;
  ScriptedFetcher f([&](const oauth::HttpFetchRequest& r) { return sim(r); });
  AuditOptions o;
  o.request_budget = 4;
  auto r = audit_endpoint(kEndpoint, f, o);
  EXPECT_TRUE(r.budget_exhausted);
  EXPECT_EQ(f.asked.size(), 4u);
  for (auto& finding : r.findings) EXPECT_NE(finding.verdict, Verdict::fail) << finding.id << ": " << finding.summary;
  EXPECT_EQ(verdict(r, "token.expired"), Verdict::skipped);
}

TEST(AuditProbe, StopsAtTheBudget) {
  ScriptedFetcher f([](const oauth::HttpFetchRequest&) { return answer(200, "{}"); });
  Probe probe(f, 3);
  for (int i = 0; i < 5; ++i) (void)probe.get("https://x.example/");
  EXPECT_EQ(f.asked.size(), 3u);
  EXPECT_TRUE(probe.exhausted());
}

// A hostile server: garbage, SSE fragments, enormous headers, 3xx, in turn. The audit ends with a
// verdict for each check, within its budget, having sent only allowed methods.
TEST(AuditChecks, HostileServerNeitherCrashesNorLoops) {
  const std::vector<oauth::HttpFetchResponse> answers = {
      answer(200, "not json"),
      answer(200, "data: {\"result\":1}\n\ndata: [[[[[[", {{"content-type", "text/event-stream"}}),
      answer(401, "{}", {{"www-authenticate", "Bearer ,,,=\"\\"}}),
      answer(200, R"({"resource":1,"authorization_servers":"x","bearer_methods_supported":[1]})"),
      answer(302, "", {{"location", "http://169.254.169.254/"}}),
      answer(200, R"({"jsonrpc":"2.0","id":1,"result":{}})", {{"mcp-session-id", std::string(5000, '\x1b')}}),
      answer(200,
             R"({"issuer":"https://as.example","response_types_supported":[1,{}],"jwks_uri":"https://as.example/j"})"),
  };
  for (std::size_t seed = 0; seed < answers.size(); ++seed) {
    std::size_t n = seed;
    std::vector<std::string> methods;
    ScriptedFetcher f([&](const oauth::HttpFetchRequest& r) {
      if (r.method == "POST")
        if (auto b = parse_json(r.body); b && b->is_object())
          if (auto* m = b->as_object().if_contains("method"); m && m->is_string()) methods.emplace_back(m->as_string());
      return answers[n++ % answers.size()];
    });
    AuditOptions o;
    o.token = Secret("good");
    auto report = audit_endpoint(kEndpoint, f, o);
    EXPECT_LE(f.asked.size(), o.request_budget);
    EXPECT_GE(report.findings.size(), 10u);
    for (auto& m : methods) EXPECT_TRUE(method_allowed(m)) << m;
  }
}

}  // namespace
}  // namespace mcpgate::audit
