#include "client/discovery.hpp"

#include <gtest/gtest.h>

#include "fake_fetcher.hpp"

namespace mcpgate::client {
namespace {

using testing::FakeFetcher;

const std::string kAs = R"({"issuer":"https://as.example","authorization_endpoint":"https://as.example/authorize",
  "token_endpoint":"https://as.example/token","registration_endpoint":"https://as.example/register",
  "code_challenge_methods_supported":["S256"],"response_types_supported":["code"],
  "token_endpoint_auth_methods_supported":["none","client_secret_post"],
  "client_id_metadata_document_supported":true,"authorization_response_iss_parameter_supported":true})";

TEST(ServerMetadata, ReadsEndpointsAndFlags) {
  auto t = read_server_metadata(kAs, "https://as.example");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->authorization_endpoint, "https://as.example/authorize");
  EXPECT_EQ(t->token_endpoint, "https://as.example/token");
  EXPECT_EQ(t->registration_endpoint, "https://as.example/register");
  EXPECT_TRUE(t->client_id_metadata_documents);
  EXPECT_TRUE(t->iss_parameter_supported);
  EXPECT_EQ(t->token_auth_methods.size(), 2u);
}

// RFC 8414 §3.3: the issuer must be the one the URL was built from (mix-up).
TEST(ServerMetadata, Rfc8414IssuerMismatchIsRefused) {
  EXPECT_FALSE(read_server_metadata(kAs, "https://other.example"));
}

// OAuth 2.1 §1.5 / MCP "Communication Security": endpoints are https, loopback aside.
TEST(ServerMetadata, PlainHttpEndpointOffLoopbackIsRefused) {
  std::string doc = kAs;
  doc.replace(doc.find("https://as.example/authorize"), 28, "http://evil.example/authorize");
  auto t = read_server_metadata(doc, "https://as.example");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("authorization_endpoint"), std::string::npos);
}

TEST(ServerMetadata, PlainHttpOnLoopbackIsAllowed) {
  std::string doc = R"({"issuer":"http://127.0.0.1:9","authorization_endpoint":"http://127.0.0.1:9/a",
    "token_endpoint":"http://localhost:9/t","code_challenge_methods_supported":["S256"]})";
  EXPECT_TRUE(read_server_metadata(doc, "http://127.0.0.1:9"));
}

// MCP authorization "Authorization Code Protection": no S256 advertised → MUST refuse.
TEST(ServerMetadata, WithoutS256TheClientRefusesToProceed) {
  auto base =
      R"({"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t")";
  EXPECT_FALSE(read_server_metadata(std::string(base) + "}", "https://as.example"));
  EXPECT_FALSE(read_server_metadata(std::string(base) + R"(,"code_challenge_methods_supported":["plain"]})",
                                    "https://as.example"));
}

TEST(ServerMetadata, ResponseTypesWithoutCodeAreRefused) {
  auto doc =
      R"({"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t",
    "code_challenge_methods_supported":["S256"],"response_types_supported":["token"]})";
  EXPECT_FALSE(read_server_metadata(doc, "https://as.example"));
}

TEST(ServerMetadata, MissingTokenEndpointIsRefused) {
  auto doc =
      R"({"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","code_challenge_methods_supported":["S256"]})";
  EXPECT_FALSE(read_server_metadata(doc, "https://as.example"));
}

const std::string kPrm =
    R"({"resource":"https://mcp.example/mcp","authorization_servers":["https://as.example"],"scopes_supported":["mcp:read"]})";

// MCP authorization "Protected Resource Metadata Discovery Requirements": the challenge's
// resource_metadata first, then path-suffixed, then root.
TEST(Discover, TriesTheChallengeThenPathSuffixedThenRoot) {
  FakeFetcher f;
  f.json("https://mcp.example/.well-known/oauth-protected-resource", kPrm);
  f.json("https://as.example/.well-known/oauth-authorization-server", kAs);
  auto t = discover(f, "https://mcp.example/mcp", R"(Bearer resource_metadata="https://mcp.example/prm")");
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_GE(f.asked.size(), 3u);
  EXPECT_EQ(f.asked[0], "https://mcp.example/prm");
  EXPECT_EQ(f.asked[1], "https://mcp.example/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(f.asked[2], "https://mcp.example/.well-known/oauth-protected-resource");
  EXPECT_EQ(t->resource, "https://mcp.example/mcp");
  EXPECT_EQ(t->issuer, "https://as.example");
  EXPECT_EQ(t->scopes_supported, std::vector<std::string>{"mcp:read"});
}

// RFC 8414 §3.1 then OpenID Connect discovery.
TEST(Discover, ServerMetadataOrderFallsBackToOpenIdConfiguration) {
  FakeFetcher f;
  f.json("https://mcp.example/.well-known/oauth-protected-resource/mcp",
         R"({"resource":"https://mcp.example/mcp","authorization_servers":["https://as.example/tenant"]})");
  std::string doc = kAs;
  for (auto pos = doc.find("https://as.example"); pos != std::string::npos;
       pos = doc.find("https://as.example", pos + 25))
    doc.replace(pos, 18, "https://as.example/tenant");
  f.json("https://as.example/.well-known/openid-configuration/tenant", doc);
  auto t = discover(f, "https://mcp.example/mcp", "");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(f.asked[1], "https://as.example/.well-known/oauth-authorization-server/tenant");
  EXPECT_EQ(f.asked[2], "https://as.example/.well-known/openid-configuration/tenant");
  EXPECT_EQ(t->issuer, "https://as.example/tenant");
}

// RFC 9728 §3.3: a document for another resource stops the flow (no falling back to the root).
TEST(Discover, Rfc9728ResourceOfAnotherOriginStops) {
  FakeFetcher f;
  f.json("https://mcp.example/.well-known/oauth-protected-resource/mcp",
         R"({"resource":"https://evil.example/mcp","authorization_servers":["https://as.example"]})");
  f.json("https://mcp.example/.well-known/oauth-protected-resource", kPrm);
  EXPECT_FALSE(discover(f, "https://mcp.example/mcp", ""));
}

// "Canonical Server URI": the server's base (a same-origin path prefix) is accepted, sent verbatim.
TEST(Discover, PathPrefixResourceIsAcceptedAndKept) {
  FakeFetcher f;
  f.json("https://mcp.example/.well-known/oauth-protected-resource/v1/mcp",
         R"({"resource":"https://mcp.example/v1","authorization_servers":["https://as.example"]})");
  f.json("https://as.example/.well-known/oauth-authorization-server", kAs);
  auto t = discover(f, "https://mcp.example/v1/mcp", "");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->resource, "https://mcp.example/v1");
}

TEST(Discover, SiblingPathIsNotAPrefix) {
  FakeFetcher f;
  f.json("https://mcp.example/.well-known/oauth-protected-resource/mcpx",
         R"({"resource":"https://mcp.example/mcp","authorization_servers":["https://as.example"]})");
  EXPECT_FALSE(discover(f, "https://mcp.example/mcpx", ""));
}

TEST(Discover, MetadataRedirectIsNotFollowed) {
  FakeFetcher f;
  oauth::HttpFetchResponse redirect{302, "", {}};
  redirect.headers = {{"location", "https://evil.example/prm"}};
  f.routes["https://mcp.example/.well-known/oauth-protected-resource/mcp"] = redirect;
  auto t = discover(f, "https://mcp.example/mcp", "");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("redirect"), std::string::npos);
  EXPECT_EQ(f.asked.size(), 1u);
}

TEST(Discover, ChallengePointingAtPlainHttpOffLoopbackIsRefused) {
  FakeFetcher f;
  EXPECT_FALSE(discover(f, "https://mcp.example/mcp", R"(Bearer resource_metadata="http://evil.example/prm")"));
  EXPECT_TRUE(f.asked.empty());
}

// 2025-03-26 "Server Metadata Discovery" and "Fallbacks for Servers without Metadata Discovery".
TEST(Discover, Revision20250326WithoutAnyMetadataUsesTheDefaultEndpoints) {
  FakeFetcher f;
  auto t = discover(f, "http://127.0.0.1:7/mcp", "");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_TRUE(t->legacy_defaults);
  EXPECT_EQ(t->issuer, "http://127.0.0.1:7");
  EXPECT_EQ(t->authorization_endpoint, "http://127.0.0.1:7/authorize");
  EXPECT_EQ(t->token_endpoint, "http://127.0.0.1:7/token");
  EXPECT_EQ(t->registration_endpoint, "http://127.0.0.1:7/register");
  EXPECT_EQ(t->resource, "http://127.0.0.1:7/mcp");
}

TEST(Discover, ResourceMetadataWithoutServerMetadataIsAnError) {
  FakeFetcher f;
  f.json("https://mcp.example/.well-known/oauth-protected-resource/mcp", kPrm);
  EXPECT_FALSE(discover(f, "https://mcp.example/mcp", ""));
}

TEST(Discover, ServerMetadataOfAnotherIssuerStops) {
  FakeFetcher f;
  f.json("https://mcp.example/.well-known/oauth-protected-resource/mcp",
         R"({"resource":"https://mcp.example/mcp","authorization_servers":["https://other.example"]})");
  std::string doc = kAs;  // says issuer https://as.example
  f.json("https://other.example/.well-known/oauth-authorization-server", doc);
  f.json("https://other.example/.well-known/openid-configuration", R"({"issuer":"https://other.example"})");
  auto t = discover(f, "https://mcp.example/mcp", "");
  ASSERT_FALSE(t);
  EXPECT_EQ(f.asked.back(), "https://other.example/.well-known/oauth-authorization-server");
}

}  // namespace
}  // namespace mcpgate::client
