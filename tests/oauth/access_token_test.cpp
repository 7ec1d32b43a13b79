// JWT claims against an issuer's policy (RFC 7519 §4.1): regressions found by
// fuzz/oauth/fuzz_jwt_claims and fuzz/oauth/fuzz_introspection (seeds named after them).
#include "oauth/access_token.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace mcpgate::oauth {
namespace {
namespace json = boost::json;
using std::chrono::seconds;
using std::chrono::system_clock;

const ClaimPolicy kPolicy{"https://as.example.com", "https://mcp.example.com/mcp", seconds(30)};
const auto kNow = system_clock::time_point(seconds(1'700'000'000));

json::object claims(json::value exp) {
  return json::object{{"iss", kPolicy.issuer}, {"aud", kPolicy.resource}, {"exp", std::move(exp)}};
}

// Bug: a NumericDate after 2262 overflowed the nanosecond system clock when it became a
// time_point (undefined behaviour; in practice it wrapped into the past). A far-future nbf then
// passed the "not yet valid" check, and a far-future exp read as expired.
TEST(Claims, FarFutureNbfIsNotYetValid_Rfc7519_4_1_5) {
  auto c = claims(1'700'000'600);
  c["nbf"] = 9'800'000'000;  // year 2280
  auto r = validate_claims(c, kPolicy, kNow);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), AuthError::not_yet_valid);
}

TEST(Claims, FarFutureExpIsStillValid_Rfc7519_4_1_4) {
  auto p = validate_claims(claims(9'999'999'999), kPolicy, kNow);  // year 2286, a common "never"
  ASSERT_TRUE(p.has_value()) << name(p.error());
  EXPECT_GT(p->expiry, kNow + std::chrono::hours(24 * 365 * 100));
  auto absurd = validate_claims(claims(1099511627776.0 * 2), kPolicy, kNow);  // year ~70000
  ASSERT_FALSE(absurd.has_value());
  EXPECT_EQ(absurd.error(), AuthError::malformed_token);
}

// Bug: an `scp` array element that was empty (or held a space) became a scope of its own, one no
// rule can name and that reads as two scopes in a space-delimited list. Each element is one
// scope-token (RFC 6749 §3.3); the space-delimited string form still splits as before.
TEST(Claims, ScpArrayElementsAreScopeTokens_Rfc6749_3_3) {
  for (auto bad : {json::array{""}, json::array{"mcp:read", ""}, json::array{"mcp:read mcp:write"}}) {
    auto c = claims(1'700'000'600);
    c["scp"] = bad;
    auto r = validate_claims(c, kPolicy, kNow);
    ASSERT_FALSE(r.has_value()) << json::serialize(bad);
    EXPECT_EQ(r.error(), AuthError::malformed_token);
  }
  auto c = claims(1'700'000'600);
  c["scp"] = json::array{"mcp:read", "mcp:write"};
  auto p = validate_claims(c, kPolicy, kNow);
  ASSERT_TRUE(p.has_value()) << name(p.error());
  EXPECT_EQ(p->scopes, (std::vector<std::string>{"mcp:read", "mcp:write"}));
  c["scp"] = "  mcp:read   mcp:write ";
  p = validate_claims(c, kPolicy, kNow);
  ASSERT_TRUE(p.has_value()) << name(p.error());
  EXPECT_EQ(p->scopes, (std::vector<std::string>{"mcp:read", "mcp:write"}));
}

}  // namespace
}  // namespace mcpgate::oauth
