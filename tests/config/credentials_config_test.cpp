// upstreams[].credentials: the modes, their defaults, and every refusal naming its key. There is no
// way to configure token passthrough (MCP authorization, "Token Passthrough").
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <regex>

#include "config/gateway_config.hpp"

namespace mcpgate::config {
namespace {
using M = Credentials::Mode;

std::string doc(const std::string& credentials, bool anonymous = false, bool embedded = true,
                const std::string& http_extra = "") {
  return std::string(embedded ? "authorization_server: { storage: \"sqlite::memory:\" }\n" : "") +
         "servers:\n"
         "  - name: s\n"
         "    path: /mcp\n" +
         (anonymous  ? "    auth: { anonymous: true }\n"
          : embedded ? "    auth: { scopes_supported: [mcp:read] }\n"
                     : "    auth: { issuers: [{ issuer: \"https://idp.example\", "
                       "jwks: '{\"keys\":[]}' }] }\n") +
         "    upstreams:\n"
         "      - name: u\n"
         "        http: { url: \"https://crm.example/api\"" +
         http_extra +
         " }\n"
         "        credentials:\n" +
         credentials;
}

void expect_error(const std::string& yaml, const std::string& key, const std::string& reason) {
  auto r = parse_gateway_config(yaml, "gw.yaml");
  ASSERT_FALSE(r) << "accepted:\n" << yaml;
  const auto& m = r.error().message;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(m, match, std::regex(R"(^gw\.yaml:(\d+:\d+: )?([^:]+): )"))) << m;
  EXPECT_EQ(match[2].str(), key) << m;
  EXPECT_NE(m.find(reason), std::string::npos) << m;
}

TEST(CredentialsConfig, TokenExchangeWithTheEmbeddedServerDefaultsResourceToTheUpstream) {
  auto r = parse_gateway_config(
      doc("          mode: token_exchange\n"
          "          scopes: { \"mcp:read\": [crm.read], \"mcp:write\": [crm.read, crm.write] }\n"));
  ASSERT_TRUE(r) << r.error().message;
  auto& c = r->servers[0].upstreams[0].credentials;
  EXPECT_EQ(c.mode, M::token_exchange);
  EXPECT_TRUE(c.embedded());
  EXPECT_EQ(c.client_id, "mcpgate");
  EXPECT_EQ(c.resource, "https://crm.example/api");  // RFC 8707: the upstream itself
  ASSERT_EQ(c.scope_map.size(), 2u);
  EXPECT_EQ(c.scope_map.at("mcp:write"), (std::vector<std::string>{"crm.read", "crm.write"}));
}

TEST(CredentialsConfig, ExternalServerSecretComesFromTheEnvironmentOrAFile) {
  ::setenv("MCPGATE_TEST_CRED_SECRET", "s3cret", 1);
  auto r =
      parse_gateway_config(doc("          mode: client_credentials\n"
                               "          issuer: https://idp.example\n"
                               "          client_id: gw\n"
                               "          client_secret_env: MCPGATE_TEST_CRED_SECRET\n"
                               "          client_auth: client_secret_post\n"
                               "          scopes: [crm.read]\n",
                               false, false));
  ASSERT_TRUE(r) << r.error().message;
  auto& c = r->servers[0].upstreams[0].credentials;
  EXPECT_FALSE(c.embedded());
  EXPECT_EQ(c.client_secret, "s3cret");
  EXPECT_TRUE(c.client_secret_post);
  EXPECT_EQ(c.scopes, (std::vector<std::string>{"crm.read"}));

  auto file = testing::TempDir() + "/cred-secret";
  std::ofstream(file) << "from-file\n";
  r =
      parse_gateway_config(doc("          mode: client_credentials\n"
                               "          token_endpoint: https://idp.example/token\n"
                               "          client_id: gw\n"
                               "          client_secret_file: " +
                                   file + "\n",
                               false, false));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->servers[0].upstreams[0].credentials.client_secret, "from-file");  // trailing newline dropped
}

TEST(CredentialsConfig, StaticValueFromTheEnvironment) {
  ::setenv("MCPGATE_TEST_API_KEY", "Bearer k-123", 1);
  auto r =
      parse_gateway_config(doc("          mode: static\n"
                               "          value_env: MCPGATE_TEST_API_KEY\n",
                               true));
  ASSERT_TRUE(r) << r.error().message;
  auto& c = r->servers[0].upstreams[0].credentials;
  EXPECT_EQ(c.mode, M::static_header);
  EXPECT_EQ(c.header, "Authorization");
  EXPECT_EQ(c.value, "Bearer k-123");
}

TEST(CredentialsConfig, Refusals) {
  const std::string k = "servers[0].upstreams[0].credentials";
  // No mode forwards the client's token (MCP authorization forbids token passthrough).
  expect_error(doc("          mode: passthrough\n"), k + ".mode", "no mode that forwards the client's token");
  expect_error(doc("          mode: token_exchange\n"), k + ".scopes", "needs a scope map");
  expect_error(doc("          mode: token_exchange\n          scopes: [crm.read]\n"), k + ".scopes", "must map");
  // Secrets are never inline.
  expect_error(doc("          mode: static\n          value: abc\n", true), k + ".value", "unknown key");
  expect_error(doc("          mode: client_credentials\n          token_endpoint: https://idp.example/t\n"
                   "          client_id: gw\n          client_secret: inline\n",
                   false, false),
               k + ".client_secret", "unknown key");
  expect_error(doc("          mode: static\n          value_env: MCPGATE_TEST_UNSET_VARIABLE\n", true),
               k + ".value_env", "is not set");
  expect_error(
      doc("          mode: client_credentials\n          token_endpoint: https://idp.example/t\n", false, false),
      k + ".client_id", "is required for an external authorization server");
  expect_error(doc("          mode: client_credentials\n          token_endpoint: http://idp.example/t\n"
                   "          client_id: gw\n          client_secret_env: MCPGATE_TEST_CRED_SECRET\n",
                   false, false),
               k + ".token_endpoint", "");
  // Nothing to exchange on an anonymous endpoint.
  expect_error(doc("          mode: token_exchange\n          scopes: { \"mcp:read\": [crm.read] }\n", true), k,
               "anonymous");
  // No token endpoint and no embedded server.
  expect_error(doc("          mode: client_credentials\n", false, false), k, "embedded authorization_server");
  // A header the static headers already set.
  ::setenv("MCPGATE_TEST_API_KEY", "k", 1);
  expect_error(doc("          mode: static\n          value_env: MCPGATE_TEST_API_KEY\n", true, true,
                   ", headers: { authorization: \"Bearer x\" }"),
               k, "already set");
  expect_error(doc("          mode: none\n          scopes: [a]\n"), k + ".scopes", "only for");
  // private_key_jwt (RFC 7523): a key, not a secret; an asymmetric algorithm the key can sign.
  auto jwt = [](const std::string& extra) {
    return doc(
        "          mode: client_credentials\n          token_endpoint: https://idp.example/t\n"
        "          client_id: gw\n          client_auth: private_key_jwt\n" +
            extra,
        false, false);
  };
  expect_error(jwt(""), k + ".client_key_file", "is required for private_key_jwt");
  auto not_a_key = testing::TempDir() + "/not-a-key.pem";
  std::ofstream(not_a_key) << "hello\n";
  expect_error(jwt("          client_key_file: " + not_a_key + "\n"), k + ".client_key_file", "not a private key");
  expect_error(doc("          mode: client_credentials\n          token_endpoint: https://idp.example/t\n"
                   "          client_id: gw\n          client_key_id: a1\n          client_secret_env: "
                   "MCPGATE_TEST_CRED_SECRET\n",
                   false, false),
               k + ".client_key_id", "private_key_jwt");
}

}  // namespace
}  // namespace mcpgate::config
