// Token introspection (RFC 7662 §2.1 request, §2.2 response) through the validator.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace mcpgate::oauth::testing {
namespace {
namespace json = boost::json;
using std::chrono::seconds;

json::object active_response() {
  return json::object{{"active", true},    {"iss", kIssuer},      {"sub", "bob"},     {"aud", kResource},
                      {"exp", kNow + 300}, {"scope", "mcp:read"}, {"client_id", "c9"}};
}

struct IntrospectionHarness {
  std::shared_ptr<FakeIntrospector> fake = std::make_shared<FakeIntrospector>();
  std::unique_ptr<Harness> h;
  IntrospectionHarness() {
    IntrospectionConfig ic;
    ic.introspector = fake;
    ic.policy.issuer = kIssuer;
    h = std::make_unique<Harness>(TokenCacheOptions{}, ic);
    fake->response = active_response();
  }
};

TEST(Introspection, ActiveTokenBecomesPrincipal_Rfc7662_2_2) {
  IntrospectionHarness t;
  auto r = t.h->validate("opaque-token-123");
  ASSERT_TRUE(r.has_value()) << name(r.error());
  EXPECT_EQ((*r)->subject, "bob");
  EXPECT_EQ((*r)->client_id, "c9");
  EXPECT_EQ((*r)->scopes, std::vector<std::string>{"mcp:read"});
}

TEST(Introspection, InactiveIsInactive_Rfc7662_2_2) {
  IntrospectionHarness t;
  t.fake->response = json::object{{"active", false}};
  EXPECT_EQ(t.h->validate("opaque").error(), AuthError::inactive);
}

TEST(Introspection, ActiveMustBeTheLiteralTrue_Rfc7662_2_2) {
  IntrospectionHarness t;
  t.fake->response["active"] = "true";
  EXPECT_EQ(t.h->validate("opaque").error(), AuthError::inactive);
}

TEST(Introspection, AudienceArrayWithoutUs_Rfc8707_2) {
  IntrospectionHarness t;
  t.fake->response["aud"] = json::array{"https://other.example/mcp"};
  EXPECT_EQ(t.h->validate("opaque").error(), AuthError::wrong_audience);
  IntrospectionHarness u;
  u.fake->response["aud"] = json::array{"https://other.example/mcp", "https://mcp.example.com/mcp/"};
  EXPECT_TRUE(u.h->validate("opaque").has_value());
}

TEST(Introspection, MissingAudienceFailsClosed_Rfc8707_2) {
  IntrospectionHarness t;
  t.fake->response.erase("aud");
  EXPECT_EQ(t.h->validate("opaque").error(), AuthError::wrong_audience);
}

TEST(Introspection, WrongIssuerAndExpired_Rfc7662_2_2) {
  IntrospectionHarness t;
  t.fake->response["iss"] = "https://evil.example";
  EXPECT_EQ(t.h->validate("opaque1").error(), AuthError::wrong_issuer);
  t.fake->response = active_response();
  t.fake->response["exp"] = kNow - 100;
  EXPECT_EQ(t.h->validate("opaque2").error(), AuthError::expired);
}

TEST(Introspection, EndpointFailureIsNotCached_Rfc7662_4) {
  IntrospectionHarness t;
  t.fake->failing = true;
  EXPECT_EQ(t.h->validate("opaque").error(), AuthError::introspection_failed);
  t.fake->failing = false;
  EXPECT_TRUE(t.h->validate("opaque").has_value());
  EXPECT_TRUE(t.h->validate("opaque").has_value());
  EXPECT_EQ(t.fake->calls, 2);  // the success is cached
}

TEST(Introspection, OpaqueTokenWithoutIntrospectorIsMalformed) {
  Harness h;
  EXPECT_EQ(h.validate("opaque-token").error(), AuthError::malformed_token);
}

TEST(Introspection, ClientSecretBasicIsFormEncodedThenBase64_Rfc6749_2_3_1) {
  auto http = std::make_shared<FakeHttpFetcher>();
  HttpIntrospector in(
      {"http://127.0.0.1:9/introspect", "my client", Secret("p@ss:w"), ClientAuthMethod::client_secret_basic}, http);
  auto req = in.build_request(Secret("tok+en/="));
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.body, "token=tok%2Ben%2F%3D&token_type_hint=access_token");
  ASSERT_EQ(req.headers.size(), 2u);
  EXPECT_EQ(req.headers[1].first, "Authorization");
  EXPECT_EQ(req.headers[1].second, "Basic " + base64_encode("my+client:p%40ss%3Aw"));
}

TEST(Introspection, ClientSecretPostPutsCredentialsInBody_Rfc6749_2_3_1) {
  auto http = std::make_shared<FakeHttpFetcher>();
  http->routes["http://127.0.0.1:9/introspect"] = {200, R"({"active":false})", std::nullopt};
  HttpIntrospector in({"http://127.0.0.1:9/introspect", "c", Secret("s"), ClientAuthMethod::client_secret_post}, http);
  auto r = in.introspect(Secret("t"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(http->requests.at(0).body, "token=t&token_type_hint=access_token&client_id=c&client_secret=s");
  EXPECT_EQ(http->requests.at(0).headers.size(), 1u);
}

TEST(Introspection, BadResponsesAreFailures_Rfc7662_2_2) {
  auto http = std::make_shared<FakeHttpFetcher>();
  HttpIntrospector in({"http://127.0.0.1:9/i", "c", Secret("s"), ClientAuthMethod::client_secret_basic}, http);
  EXPECT_EQ(in.introspect(Secret("t")).error(), AuthError::introspection_failed);  // 404
  http->routes["http://127.0.0.1:9/i"] = {200, R"({"active":true,"active":false})", std::nullopt};
  EXPECT_EQ(in.introspect(Secret("t")).error(), AuthError::introspection_failed);  // duplicate key
  http->routes["http://127.0.0.1:9/i"] = {200, R"({"sub":"x"})", std::nullopt};
  EXPECT_EQ(in.introspect(Secret("t")).error(), AuthError::introspection_failed);  // no active
}

// Bug (found by fuzz/oauth/fuzz_introspection): an nbf after 2262 overflowed the system clock and
// wrapped into the past, so a response saying "not before the year 2280" was accepted now.
TEST(Introspection, FarFutureNbfIsNotYetValid_Rfc7662_2_2) {
  IntrospectionHarness t;
  t.fake->response["nbf"] = 9'800'000'000;
  auto r = t.h->validate("opaque");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), AuthError::not_yet_valid);
}

}  // namespace
}  // namespace mcpgate::oauth::testing
