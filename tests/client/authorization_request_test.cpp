#include "client/authorization_request.hpp"

#include <gtest/gtest.h>

#include <boost/url/parse.hpp>
#include <map>

namespace mcpgate::client {
namespace {

// RFC 7636 Appendix B.
TEST(Pkce, S256MatchesRfc7636AppendixB) {
  EXPECT_EQ(s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(Pkce, VerifierHasTheLengthAndAlphabetOfRfc7636Section4_1) {
  auto p = make_pkce(system_random());
  EXPECT_GE(p.verifier.size(), 43u);
  EXPECT_LE(p.verifier.size(), 128u);
  for (char c : p.verifier) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
  EXPECT_EQ(p.challenge, s256(p.verifier));
  EXPECT_NE(make_pkce(system_random()).verifier, p.verifier);
}

std::map<std::string, std::string> query_of(const std::string& url) {
  std::map<std::string, std::string> out;
  auto u = boost::urls::parse_absolute_uri(url);
  for (auto p : u->params()) out[std::string(p.key)] = std::string(p.value);
  return out;
}

AuthorizationTarget target() {
  AuthorizationTarget t;
  t.issuer = "https://as.example";
  t.authorization_endpoint = "https://as.example/authorize?tenant=a";
  t.resource = "https://mcp.example/mcp";
  return t;
}

// MCP authorization "Resource Parameter Implementation" (MUST send resource) and PKCE S256.
TEST(AuthorizationUrl, CarriesResourcePkceS256StateAndKeepsTheEndpointsQuery) {
  auto q = query_of(
      authorization_url(target(), {"client 1", "http://127.0.0.1:5/callback", "ch", "st", "mcp:read mcp:write"}));
  EXPECT_EQ(q["tenant"], "a");
  EXPECT_EQ(q["response_type"], "code");
  EXPECT_EQ(q["client_id"], "client 1");
  EXPECT_EQ(q["redirect_uri"], "http://127.0.0.1:5/callback");
  EXPECT_EQ(q["code_challenge"], "ch");
  EXPECT_EQ(q["code_challenge_method"], "S256");
  EXPECT_EQ(q["state"], "st");
  EXPECT_EQ(q["scope"], "mcp:read mcp:write");
  EXPECT_EQ(q["resource"], "https://mcp.example/mcp");
}

// "Scope Selection Strategy": with nothing to ask for, scope is omitted, not sent empty.
// OpenID Connect Core §3.1.2.1: prompt=login asks the server to sign the user in again.
TEST(AuthorizationUrl, PromptIsSentOnlyWhenAsked) {
  EXPECT_EQ(query_of(authorization_url(target(), {"c", "r", "ch", "st", "", "login"}))["prompt"], "login");
  EXPECT_EQ(query_of(authorization_url(target(), {"c", "r", "ch", "st", ""})).count("prompt"), 0u);
}

TEST(AuthorizationUrl, OmitsAnEmptyScope) {
  EXPECT_EQ(query_of(authorization_url(target(), {"c", "http://127.0.0.1:5/callback", "ch", "st", ""})).count("scope"),
            0u);
}

TEST(Callback, AnswerWithTheRightStateGivesTheCode) {
  auto c = read_callback("/callback?code=abc&state=s1", "s1", "https://as.example", false);
  EXPECT_EQ(c.kind, Callback::Kind::code);
  EXPECT_EQ(c.code, "abc");
}

// RFC 6749 §10.12: only the answer to this login may end it; anything else is ignored.
TEST(Callback, NoOrAnotherStateIsAStranger) {
  EXPECT_EQ(read_callback("/callback?code=abc", "s1", "i", false).kind, Callback::Kind::stranger);
  EXPECT_EQ(read_callback("/callback?code=abc&state=s2", "s1", "i", false).kind, Callback::Kind::stranger);
  EXPECT_EQ(read_callback("/callback?error=access_denied&state=other", "s1", "i", false).kind,
            Callback::Kind::stranger);
  EXPECT_EQ(read_callback("/callback?code=a&state=s1&state=s1", "s1", "i", false).kind, Callback::Kind::stranger);
}

// RFC 9207 §2.4: iss compared whenever present, by simple string comparison.
TEST(Callback, Rfc9207IssMismatchIsRefusedEvenWhenNotAdvertised) {
  auto c = read_callback("/callback?code=a&state=s&iss=https%3A%2F%2Fevil.example", "s", "https://as.example", false);
  EXPECT_EQ(c.kind, Callback::Kind::refused);
  EXPECT_NE(c.message.find("mix-up"), std::string::npos);
}

TEST(Callback, Rfc9207IssIsNotNormalized) {
  EXPECT_EQ(
      read_callback("/callback?code=a&state=s&iss=https%3A%2F%2Fas.example%2F", "s", "https://as.example", true).kind,
      Callback::Kind::refused);
  EXPECT_EQ(
      read_callback("/callback?code=a&state=s&iss=https%3A%2F%2FAS.example", "s", "https://as.example", true).kind,
      Callback::Kind::refused);
  EXPECT_EQ(
      read_callback("/callback?code=a&state=s&iss=https%3A%2F%2Fas.example", "s", "https://as.example", true).kind,
      Callback::Kind::code);
}

TEST(Callback, Rfc9207MissingIssIsRefusedWhenAdvertised) {
  EXPECT_EQ(read_callback("/callback?code=a&state=s", "s", "https://as.example", true).kind, Callback::Kind::refused);
}

TEST(Callback, ErrorIsRefusedWithAPrintableDescription) {
  auto c = read_callback("/callback?error=access_denied&error_description=no%0d%0aSet-Cookie&state=s", "s", "i", false);
  EXPECT_EQ(c.kind, Callback::Kind::refused);
  EXPECT_NE(c.message.find("access_denied"), std::string::npos);
  EXPECT_EQ(c.message.find('\r'), std::string::npos);
  EXPECT_EQ(c.message.find('\n'), std::string::npos);
}

TEST(Callback, NoCodeIsRefused) {
  EXPECT_EQ(read_callback("/callback?state=s", "s", "i", false).kind, Callback::Kind::refused);
}

}  // namespace
}  // namespace mcpgate::client
