// `credentials:` on stdio upstreams: the token goes into one environment variable of a child
// started per principal (stdio.mode per_principal); every incomplete combination is refused with
// the key that is wrong.
#include <gtest/gtest.h>

#include "config/gateway_config.hpp"

namespace mcpgate::config {
namespace {

// The endpoint trusts the embedded authorization server: token_exchange needs a client token.
std::string doc(const std::string& stdio_extra, const std::string& credentials) {
  return "authorization_server:\n"
         "  storage: sqlite:/nonexistent/as.db\n"
         "servers:\n"
         "  - name: s\n"
         "    path: /mcp\n"
         "    auth: { scopes_supported: [mcp:read] }\n"
         "    upstreams:\n"
         "      - name: files\n"
         "        stdio:\n"
         "          command: [x]\n" +
         stdio_extra + credentials;
}
const std::string kPerPrincipal = "          mode: per_principal\n";
const std::string kExchange =
    "        credentials:\n"
    "          mode: token_exchange\n"
    "          env: FILES_TOKEN\n"
    "          resource: https://files.internal\n"
    "          scopes: { \"mcp:read\": [files.read] }\n";

// Refused, naming `key` and saying `reason`.
void refused(const std::string& yaml, const std::string& key, const std::string& reason) {
  auto r = parse_gateway_config(yaml, "gw.yaml");
  ASSERT_FALSE(r) << "accepted:\n" << yaml;
  EXPECT_NE(r.error().message.find(": " + key + ": "), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(reason), std::string::npos) << r.error().message;
}

std::string without(std::string s, const std::string& line) {
  s.erase(s.find(line), line.size());
  return s;
}

TEST(StdioCredentialsConfig, PerPrincipalWithAnExchangedTokenInTheEnvironment) {
  auto r = parse_gateway_config(
      doc(kPerPrincipal +
              "          max_children: 8\n          idle_timeout_ms: 5000\n          renew_before_ms: 1000\n",
          kExchange),
      "gw.yaml");
  ASSERT_TRUE(r) << r.error().message;
  auto& u = r->servers[0].upstreams[0];
  EXPECT_EQ(u.stdio->mode, StdioUpstream::Mode::per_principal);
  EXPECT_EQ(u.stdio->max_children, 8u);
  EXPECT_EQ(u.stdio->idle_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(u.stdio->renew_before, std::chrono::milliseconds(1000));
  EXPECT_EQ(u.credentials.mode, Credentials::Mode::token_exchange);
  EXPECT_EQ(u.credentials.env, "FILES_TOKEN");
  EXPECT_EQ(u.credentials.resource, "https://files.internal");
}

TEST(StdioCredentialsConfig, Defaults) {
  auto r = parse_gateway_config(doc(kPerPrincipal, kExchange), "gw.yaml");
  ASSERT_TRUE(r) << r.error().message;
  auto& st = *r->servers[0].upstreams[0].stdio;
  EXPECT_EQ(st.max_children, 64u);
  EXPECT_FALSE(st.idle_timeout) << "the endpoint's session_idle_timeout";
  EXPECT_FALSE(st.renew_before) << "a fifth of the token's life, at most 30 s";
}

TEST(StdioCredentialsConfig, ClientCredentialsToo) {
  auto r = parse_gateway_config(doc(kPerPrincipal,
                                    "        credentials:\n"
                                    "          mode: client_credentials\n"
                                    "          env: FILES_TOKEN\n"
                                    "          audience: files\n"
                                    "          scopes: [files.read]\n"),
                                "gw.yaml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->servers[0].upstreams[0].credentials.audience, "files");
}

TEST(StdioCredentialsConfig, CredentialsNeedEnv) {
  refused(doc(kPerPrincipal, without(kExchange, "          env: FILES_TOKEN\n")),
          "servers[0].upstreams[0].credentials.env", "is required on a stdio upstream");
}

TEST(StdioCredentialsConfig, CredentialsNeedPerPrincipal) {
  // A child shared by sessions or principals would hold one principal's token for all of them.
  refused(doc("", kExchange), "servers[0].upstreams[0].credentials", "needs stdio.mode per_principal");
  refused(doc("          mode: shared\n", kExchange), "servers[0].upstreams[0].credentials",
          "needs stdio.mode per_principal");
}

TEST(StdioCredentialsConfig, PerPrincipalNeedsCredentials) {
  refused(doc(kPerPrincipal, ""), "servers[0].upstreams[0].stdio.mode", "per_principal needs credentials");
}

TEST(StdioCredentialsConfig, NoUrlSoResourceOrAudienceIsRequired) {
  refused(doc(kPerPrincipal, without(kExchange, "          resource: https://files.internal\n")),
          "servers[0].upstreams[0].credentials", "give resource or audience");
}

TEST(StdioCredentialsConfig, OnlyOAuthModes) {
  refused(doc(kPerPrincipal,
              "        credentials:\n"
              "          mode: static\n"
              "          env: FILES_TOKEN\n"),
          "servers[0].upstreams[0].credentials.env", "is only for client_credentials and token_exchange");
}

TEST(StdioCredentialsConfig, EnvMustBeAVariableName) {
  auto bad = kExchange;
  bad.replace(bad.find("FILES_TOKEN"), 11, "\"A=B\"");
  refused(doc(kPerPrincipal, bad), "servers[0].upstreams[0].credentials.env", "environment variable name");
  bad = kExchange;
  bad.replace(bad.find("FILES_TOKEN"), 11, "1X");
  refused(doc(kPerPrincipal, bad), "servers[0].upstreams[0].credentials.env", "environment variable name");
}

TEST(StdioCredentialsConfig, EnvIsNotForHttpUpstreams) {
  refused(
      "servers:\n"
      "  - name: s\n"
      "    path: /mcp\n"
      "    auth: { anonymous: true }\n"
      "    upstreams:\n"
      "      - name: api\n"
      "        http: { url: \"http://127.0.0.1:9/\" }\n" +
          kExchange,
      "servers[0].upstreams[0].credentials.env", "is for stdio upstreams");
}

TEST(StdioCredentialsConfig, ChildOptionsOnlyForPerPrincipal) {
  refused(doc("          max_children: 3\n", ""), "servers[0].upstreams[0].stdio.max_children",
          "only for mode per_principal");
  refused(doc(kPerPrincipal + "          max_children: 0\n", kExchange), "servers[0].upstreams[0].stdio.max_children",
          "");
}

}  // namespace
}  // namespace mcpgate::config
