// limits.per_principal and the upstream admission keys: parsed, defaulted, and refused with the key.
#include <gtest/gtest.h>

#include <regex>

#include "config/gateway_config.hpp"
#include "config_error.hpp"

namespace mcpgate::config {
namespace {

std::string doc(const std::string& limits, const std::string& upstream_extra = "") {
  return "limits:\n" + limits +
         "servers:\n"
         "  - name: s\n"
         "    path: /mcp\n"
         "    auth: { anonymous: true }\n"
         "    upstreams:\n"
         "      - name: u\n"
         "        http: { url: \"http://127.0.0.1:1/\" }\n" +
         upstream_extra;
}

using test_support::expect_error;

TEST(LimitsConfig, DefaultsLetANormalAgentWork) {
  auto r = parse_gateway_config(doc("  max_sessions: 10\n"));
  ASSERT_TRUE(r) << r.error().message;
  auto& p = r->limits.per_principal;
  EXPECT_EQ(p.max_sessions, 32u);
  EXPECT_EQ(p.max_concurrent_requests, 64u);
  EXPECT_EQ(p.requests.per_second, 50);
  EXPECT_EQ(p.requests.burst, 200);
  EXPECT_EQ(p.tool_calls.per_second, 20);
  auto& u = r->servers[0].upstreams[0];
  EXPECT_EQ(u.max_concurrent_requests, 256u);
  EXPECT_EQ(u.max_pending_requests, 10'000u);
  EXPECT_EQ(u.queue_timeout, std::chrono::milliseconds(5000));
}

TEST(LimitsConfig, ParsesEveryKey) {
  auto r =
      parse_gateway_config(doc("  per_principal:\n"
                               "    max_sessions: 3\n"
                               "    max_concurrent_requests: 4\n"
                               "    requests_per_second: 2.5\n"
                               "    burst: 5\n"
                               "    max_principals: 1000\n"
                               "    idle_expiry_ms: 60000\n"
                               "    tool_calls:\n"
                               "      requests_per_second: 1\n"
                               "      burst: 2\n"
                               "      overrides:\n"
                               "        - { tools: [\"search_*\"], requests_per_second: 0.5 }\n"
                               "        - { tools: cheap, requests_per_second: 0 }\n",
                               "        max_concurrent_requests: 8\n"
                               "        max_pending_requests: 0\n"
                               "        queue_timeout_ms: 250\n"));
  ASSERT_TRUE(r) << r.error().message;
  auto& p = r->limits.per_principal;
  EXPECT_EQ(p.max_sessions, 3u);
  EXPECT_EQ(p.max_concurrent_requests, 4u);
  EXPECT_EQ(p.requests.per_second, 2.5);
  EXPECT_EQ(p.requests.burst, 5);
  EXPECT_EQ(p.max_principals, 1000u);
  EXPECT_EQ(p.idle_expiry, std::chrono::milliseconds(60000));
  EXPECT_EQ(p.tool_calls.per_second, 1);
  EXPECT_EQ(p.tool_calls.burst, 2);
  ASSERT_EQ(p.tool_overrides.size(), 2u);
  EXPECT_EQ(p.tool_overrides[0].tools, std::vector<std::string>{"search_*"});
  EXPECT_EQ(p.tool_overrides[0].rate.per_second, 0.5);
  EXPECT_EQ(p.tool_overrides[0].rate.burst, 1);  // a burst defaults to one second's worth, at least 1
  EXPECT_FALSE(p.tool_overrides[1].rate.enabled());
  auto& u = r->servers[0].upstreams[0];
  EXPECT_EQ(u.max_concurrent_requests, 8u);
  EXPECT_EQ(u.max_pending_requests, 0u);
  EXPECT_EQ(u.queue_timeout, std::chrono::milliseconds(250));
}

TEST(LimitsConfig, ErrorsNameTheKey) {
  expect_error(doc("  per_principal: { max_session: 3 }\n"), "limits.per_principal.max_session", "unknown key");
  expect_error(doc("  per_principal: { requests_per_second: fast }\n"), "limits.per_principal.requests_per_second",
               "must be a number");
  expect_error(doc("  per_principal: { requests_per_second: -1 }\n"), "limits.per_principal.requests_per_second",
               "must be between");
  expect_error(doc("  per_principal: { burst: 0.5 }\n"), "limits.per_principal.burst", "must be between");
  expect_error(doc("  per_principal: { tool_calls: { overrides: [ { requests_per_second: 1 } ] } }\n"),
               "limits.per_principal.tool_calls.overrides[0].tools", "is required");
  expect_error(doc("  per_principal: { tool_calls: { overrides: [ { tools: [], requests_per_second: 1 } ] } }\n"),
               "limits.per_principal.tool_calls.overrides[0].tools", "must not be empty");
  expect_error(doc("  max_sessions: 10\n", "        queue_timeout_ms: soon\n"),
               "servers[0].upstreams[0].queue_timeout_ms", "must be a whole number");
}

}  // namespace
}  // namespace mcpgate::config
