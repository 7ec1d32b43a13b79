// The one AuthError → HTTP mapping (RFC 6750 §3, §3.1; RFC 9728 §5.1; MCP authorization
// "Error Handling" and "Scope Challenge Handling").
#include "oauth/challenge.hpp"

#include <gtest/gtest.h>

#include "oauth/protected_resource_metadata.hpp"

namespace mcpgate::oauth {
namespace {

const ChallengeContext kCtx{"https://mcp.example.com/.well-known/oauth-protected-resource/mcp", {"mcp:read"}};

struct Case {
  const char* name;
  AuthError error;
  unsigned status;
  const char* header;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {"MissingToken_NoErrorParam_Rfc6750_3_1", AuthError::missing_token, 401,
       R"(Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:read")"},
      {"Expired_InvalidToken_Rfc6750_3_1", AuthError::expired, 401,
       R"(Bearer error="invalid_token", error_description="the token has expired", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:read")"},
      {"BadSignature_InvalidToken_Rfc6750_3_1", AuthError::bad_signature, 401,
       R"(Bearer error="invalid_token", error_description="the token's signature is invalid", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:read")"},
      {"WrongAudience_InvalidToken_Rfc8707", AuthError::wrong_audience, 401,
       R"(Bearer error="invalid_token", error_description="the token was not issued for this resource", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:read")"},
      {"Inactive_InvalidToken_Rfc7662_2_2", AuthError::inactive, 401,
       R"(Bearer error="invalid_token", error_description="the token is not active", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:read")"},
      {"Duplicate_InvalidRequest_Rfc6750_3_1", AuthError::duplicate_authorization, 400,
       R"(Bearer error="invalid_request", error_description="more than one Authorization header", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp")"},
      {"InsufficientScope_403_Rfc6750_3_1", AuthError::insufficient_scope, 403,
       R"(Bearer error="insufficient_scope", scope="mcp:read", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", error_description="the token lacks a scope this request needs")"},
      {"KeysUnavailable_503", AuthError::keys_unavailable, 503, ""},
      {"IntrospectionFailed_503", AuthError::introspection_failed, 503, ""},
      {"RevocationsUnknown_503", AuthError::revocations_unknown, 503, ""},
  };
  return c;
}

class ChallengeMapping : public ::testing::TestWithParam<Case> {};

TEST_P(ChallengeMapping, StatusAndHeader) {
  auto c = challenge_for(GetParam().error, kCtx);
  EXPECT_EQ(c.status, GetParam().status);
  EXPECT_EQ(c.www_authenticate, GetParam().header);
}

INSTANTIATE_TEST_SUITE_P(Rfc6750, ChallengeMapping, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

TEST(Challenge, EveryInvalidTokenReasonIs401InvalidToken_Rfc6750_3_1) {
  for (auto e : {AuthError::malformed_token, AuthError::token_too_large, AuthError::unsupported_algorithm,
                 AuthError::unknown_key, AuthError::wrong_issuer, AuthError::not_yet_valid, AuthError::missing_exp,
                 AuthError::wrong_type, AuthError::unknown_critical_header}) {
    auto c = challenge_for(e, kCtx);
    EXPECT_EQ(c.status, 401u) << name(e);
    EXPECT_TRUE(c.www_authenticate.starts_with("Bearer error=\"invalid_token\"")) << name(e);
  }
}

TEST(Challenge, InsufficientScopeListsEveryNeededScope_McpScopeChallenge) {
  auto c = challenge_for(AuthError::insufficient_scope, {"https://x/prm", {"mcp:read", "mcp:write", "crm:admin"}});
  EXPECT_NE(c.www_authenticate.find(R"(scope="mcp:read mcp:write crm:admin")"), std::string::npos);
}

TEST(Challenge, NoScopeOrMetadataParamWhenUnknown) {
  EXPECT_EQ(challenge_for(AuthError::missing_token, {}).www_authenticate, "Bearer");
}

TEST(Challenge, QuoteEscapingCannotSplitTheHeader_Rfc9110_5_6_4) {
  EXPECT_EQ(quote_auth_param(R"(a"b\c)"), R"("a\"b\\c")");
  EXPECT_EQ(quote_auth_param("a\r\nSet-Cookie: x"), "\"aSet-Cookie: x\"");
  auto c = challenge_for(AuthError::insufficient_scope, {"https://x/\"evil\"", {"a\"b"}});
  EXPECT_NE(c.www_authenticate.find(R"(scope="a\"b")"), std::string::npos);
  EXPECT_NE(c.www_authenticate.find(R"(resource_metadata="https://x/\"evil\"")"), std::string::npos);
}

TEST(Challenge, DescriptionsNeverEchoTokenContent) {
  for (int i = 0; i <= static_cast<int>(AuthError::insufficient_scope); ++i) {
    auto d = describe(static_cast<AuthError>(i));
    EXPECT_FALSE(d.empty());
    // Fixed prose only: no digits, dots or base64url characters a token could add.
    for (char ch : d) EXPECT_TRUE(std::isalpha(static_cast<unsigned char>(ch)) || ch == ' ' || ch == '\'') << d;
  }
}

// RFC 9728 §3.1: path-suffixed well-known location; §2 document members.
TEST(ProtectedResourceMetadata, WellKnownPath_Rfc9728_3_1) {
  EXPECT_EQ(prm_well_known_path("/mcp"), "/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(prm_well_known_path("/public/mcp/"), "/.well-known/oauth-protected-resource/public/mcp");
  EXPECT_EQ(prm_well_known_path("/"), "/.well-known/oauth-protected-resource");
  EXPECT_EQ(prm_well_known_path(""), "/.well-known/oauth-protected-resource");
  EXPECT_EQ(prm_url("http://127.0.0.1:8080/", "/mcp"),
            "http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp");
}

TEST(ProtectedResourceMetadata, Document_Rfc9728_2) {
  ProtectedResourceMetadata m{
      "https://mcp.example.com/mcp", {"https://as.example.com"}, {"mcp:read", "mcp:write"}, "CRM", std::nullopt};
  EXPECT_EQ(
      to_json(m),
      R"({"resource":"https://mcp.example.com/mcp","authorization_servers":["https://as.example.com"],)"
      R"("scopes_supported":["mcp:read","mcp:write"],"bearer_methods_supported":["header"],"resource_name":"CRM"})");
  m.resource_documentation = "https://docs.example.com";
  EXPECT_NE(to_json(m).find(R"("resource_documentation":"https://docs.example.com")"), std::string::npos);
}

}  // namespace
}  // namespace mcpgate::oauth
