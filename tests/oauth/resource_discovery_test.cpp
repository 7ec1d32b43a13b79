// The client side of RFC 9728: a server's Bearer challenge (RFC 9110 §11.6.1, RFC 6750 §3) and its
// Protected Resource Metadata, as the gateway reads them from an upstream that is itself protected.
#include "oauth/resource_discovery.hpp"

#include <gtest/gtest.h>

namespace mcpgate::oauth {
namespace {

TEST(BearerChallenge, ReadsTheParamsOfTheBearerChallenge) {
  auto p = parse_bearer_challenge(
      R"(Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:read mcp:write")");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->at("resource_metadata"), "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(p->at("scope"), "mcp:read mcp:write");
}

TEST(BearerChallenge, AmongSeveralChallengesAndWithTokenValuesAndEscapes) {
  // RFC 9110 §11.6.1: several challenges in one field; scheme names are case-insensitive.
  auto p = parse_bearer_challenge(
      R"(Basic realm="x", bearer error=invalid_token, error_description="a \"quoted\" word", Newauth abc==)");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->at("error"), "invalid_token");
  EXPECT_EQ(p->at("error_description"), "a \"quoted\" word");
  EXPECT_FALSE(p->contains("realm"));  // Basic's, not Bearer's
  auto q = parse_bearer_challenge("Newauth abc==, Bearer realm=\"r\"");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->at("realm"), "r");
  auto bare = parse_bearer_challenge("Bearer");
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->empty());
}

TEST(BearerChallenge, RefusesMalformedOrAbsent) {
  EXPECT_FALSE(parse_bearer_challenge("Basic realm=\"x\""));
  EXPECT_FALSE(parse_bearer_challenge(R"(Bearer resource_metadata="unterminated)"));
  EXPECT_FALSE(parse_bearer_challenge("Bearer a=\"x\ny\""));  // a control character inside quotes
  EXPECT_FALSE(parse_bearer_challenge(""));
  EXPECT_FALSE(parse_bearer_challenge("Bearer a=b \"x\""));
  // "a=" alone is a token68 (RFC 9110 §11.2), not an empty parameter.
  auto t68 = parse_bearer_challenge("Bearer a=");
  ASSERT_TRUE(t68);
  EXPECT_TRUE(t68->empty());
}

TEST(ResourceMetadata, ResourceMustBeIdenticalRfc9728_3_3) {
  constexpr const char* doc = R"({"resource":"https://crm.example/mcp","authorization_servers":["https://as.example"],
                                  "scopes_supported":["crm.read"],"bearer_methods_supported":["header"]})";
  auto md = parse_resource_metadata(doc, "https://crm.example/mcp");
  ASSERT_TRUE(md) << md.error().message;
  EXPECT_EQ(md->authorization_servers, (std::vector<std::string>{"https://as.example"}));
  EXPECT_EQ(md->scopes_supported, (std::vector<std::string>{"crm.read"}));
  // A document for another resource (mix-up: someone else's authorization server) is refused.
  EXPECT_FALSE(parse_resource_metadata(doc, "https://crm.example/mcp/"));
  EXPECT_FALSE(parse_resource_metadata(doc, "https://evil.example/mcp"));
}

TEST(ResourceMetadata, AuthorizationServersMustBeHttpsUrls) {
  auto with = [](const std::string& servers) {
    return parse_resource_metadata(R"({"resource":"https://r.example/","authorization_servers":)" + servers + "}",
                                   "https://r.example/");
  };
  EXPECT_FALSE(with("[]"));
  EXPECT_FALSE(with(R"(["http://as.example"])"));  // plain http off loopback
  EXPECT_FALSE(with(R"(["https://user@as.example"])"));
  EXPECT_FALSE(with(R"(["https://as.example/?q=1"])"));
  EXPECT_FALSE(with(R"([42])"));
  EXPECT_TRUE(with(R"(["http://127.0.0.1:8080"])"));  // loopback development
  EXPECT_FALSE(parse_resource_metadata("[]", "https://r.example/"));
  EXPECT_FALSE(parse_resource_metadata(R"({"resource":"https://r.example/","resource":"x"})", "https://r.example/"));
}

TEST(ResourceMetadata, WellKnownUrlsPathSuffixedFirstRfc9728_3_1) {
  EXPECT_EQ(resource_metadata_urls("https://crm.example/api/mcp"),
            (std::vector<std::string>{"https://crm.example/.well-known/oauth-protected-resource/api/mcp",
                                      "https://crm.example/.well-known/oauth-protected-resource"}));
  EXPECT_EQ(resource_metadata_urls("https://crm.example:8443/"),
            (std::vector<std::string>{"https://crm.example:8443/.well-known/oauth-protected-resource"}));
}

}  // namespace
}  // namespace mcpgate::oauth
