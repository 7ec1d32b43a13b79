#include "authserver/client_metadata.hpp"

#include <gtest/gtest.h>

namespace mcpgate::authserver {
namespace {

TEST(RedirectMatch, ExactExceptLoopbackPort) {
  EXPECT_TRUE(redirect_uri_matches("https://a.example/cb", "https://a.example/cb"));
  EXPECT_FALSE(redirect_uri_matches("https://a.example/cb", "https://a.example/cb/"));
  EXPECT_FALSE(redirect_uri_matches("https://a.example/cb", "https://A.example/cb"));
  EXPECT_FALSE(redirect_uri_matches("https://a.example/cb", "https://a.example:443/cb"));
  EXPECT_TRUE(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:61234/cb"));
  EXPECT_TRUE(redirect_uri_matches("http://[::1]:80/cb", "http://[::1]:1234/cb"));
  EXPECT_TRUE(redirect_uri_matches("http://localhost/cb", "http://localhost:8080/cb"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "http://localhost:8080/cb"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:8080/cb?x=1"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:8080/cb#f"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "http://u@127.0.0.1:8080/cb"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:8080/CB"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "https://127.0.0.1:8080/cb"));
}

TEST(RedirectCheck, Policy) {
  RedirectPolicy p{true, {"com.example.app"}};
  EXPECT_TRUE(check_redirect_uri("https://a.example/cb", p));
  EXPECT_TRUE(check_redirect_uri("http://127.0.0.1:3000/cb", p));
  EXPECT_TRUE(check_redirect_uri("com.example.app:/oauth", p));
  EXPECT_FALSE(check_redirect_uri("http://a.example/cb", p));
  EXPECT_FALSE(check_redirect_uri("https://a.example/cb#x", p));
  EXPECT_FALSE(check_redirect_uri("https://u:p@a.example/cb", p));
  EXPECT_FALSE(check_redirect_uri("javascript:alert(1)", p));
  EXPECT_FALSE(check_redirect_uri("data:text/html,x", p));
  EXPECT_FALSE(check_redirect_uri("/relative", p));
}

TEST(ClientIdUrl, Shape) {
  EXPECT_TRUE(is_client_id_url("https://c.example/client.json"));
  EXPECT_FALSE(is_client_id_url("https://c.example/"));
  EXPECT_FALSE(is_client_id_url("https://c.example"));
  EXPECT_FALSE(is_client_id_url("http://c.example/client.json"));
  EXPECT_TRUE(is_client_id_url("http://c.example/client.json", true));
  EXPECT_FALSE(is_client_id_url("https://c.example/a/../client.json"));
  EXPECT_FALSE(is_client_id_url("https://u@c.example/client.json"));
  EXPECT_FALSE(is_client_id_url("https://c.example/client.json#x"));
  EXPECT_FALSE(is_client_id_url("my-client"));
}

TEST(Cimd, ParsesAndChecksDocument) {
  RedirectPolicy p{true, {}};
  auto ok = parse_client_metadata_document(
      R"({"client_id":"https://c.example/c.json","client_name":"C","redirect_uris":["https://c.example/cb"]})",
      "https://c.example/c.json", p);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->client_name, "C");
  EXPECT_EQ(ok->kind, ClientKind::metadata_document);
  EXPECT_FALSE(parse_client_metadata_document(
      R"({"client_id":"https://c.example/other","redirect_uris":["https://c.example/cb"]})", "https://c.example/c.json",
      p));
  EXPECT_FALSE(
      parse_client_metadata_document(R"({"client_id":"https://c.example/c.json"})", "https://c.example/c.json", p));
  EXPECT_FALSE(parse_client_metadata_document(
      R"({"client_id":"https://c.example/c.json","redirect_uris":["https://c.example/cb"],"token_endpoint_auth_method":"client_secret_basic"})",
      "https://c.example/c.json", p));
  EXPECT_FALSE(parse_client_metadata_document(
      R"({"client_id":"https://c.example/c.json","client_id":"https://c.example/c.json","redirect_uris":["https://c.example/cb"]})",
      "https://c.example/c.json", p))
      << "duplicate keys";
  EXPECT_FALSE(parse_client_metadata_document("[]", "https://c.example/c.json", p));
}

TEST(Dcr, DefaultsAndErrors) {
  RedirectPolicy p{true, {}};
  auto c = parse_registration_request(R"({"redirect_uris":["https://a.example/cb"]})", p);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->token_endpoint_auth_method, "client_secret_basic");
  EXPECT_EQ(c->application_type, "web");
  auto e = parse_registration_request(R"({"redirect_uris":"https://a.example/cb"})", p);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().error, OAuthError::invalid_client_metadata);
  EXPECT_FALSE(
      parse_registration_request(R"({"redirect_uris":["https://a.example/cb"],"response_types":["token"]})", p));
  EXPECT_FALSE(
      parse_registration_request(R"({"redirect_uris":["https://a.example/cb"],"application_type":"desktop"})", p));
  EXPECT_FALSE(
      parse_registration_request(R"({"redirect_uris":["https://a.example/cb"],"jwks_uri":"https://a.example/j"})", p));
  EXPECT_FALSE(parse_registration_request(R"({"grant_types":["authorization_code"]})", p));
}

}  // namespace
}  // namespace mcpgate::authserver
