// The tokens the audit forges: each must be what its name says, or the check proves nothing.
#include "audit/forged_tokens.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/base64url.hpp"
#include "core/json.hpp"
#include "oauth/jwks.hpp"
#include "oauth/token_minter.hpp"

namespace mcpgate::audit {
namespace {
namespace json = boost::json;

ForgedClaims claims() {
  ForgedClaims c;
  c.issuer = "https://as.example";
  c.audience = "https://mcp.example/mcp";
  c.scope = "mcp:read";
  c.now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  return c;
}

json::object header_of(const std::string& jwt) {
  return parse_json(*base64url_decode(jwt.substr(0, jwt.find('.'))))->as_object();
}

TEST(ForgedTokens, AlgNoneHasNoSignature) {
  auto t = alg_none_token(claims());
  EXPECT_EQ(header_of(t).at("alg").as_string(), "none");
  EXPECT_EQ(t.back(), '.');
  auto c = unverified_claims(t);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->at("aud").as_string(), "https://mcp.example/mcp");
  EXPECT_EQ(c->at("iss").as_string(), "https://as.example");
}

TEST(ForgedTokens, ExpiredIsAnHourPast) {
  auto t = expired_token(claims(), std::string("k1"));
  EXPECT_EQ(header_of(t).at("kid").as_string(), "k1");
  EXPECT_EQ(unverified_claims(t)->at("exp").as_int64(), 1'800'000'000 - 3600);
}

// RFC 8725 §2.1: the HMAC key is the published public key in PEM, as a confused verifier reads it.
TEST(ForgedTokens, Hs256IsKeyedWithThePublishedPublicKeyPem) {
  auto key = oauth::SigningKey::generate(oauth::Algorithm::ES256);
  ASSERT_TRUE(key);
  auto jwk = key->public_jwk("k9");
  ASSERT_TRUE(jwk);
  auto jwks = json::serialize(json::object{{"keys", json::array{*jwk}}});
  auto t = public_key_hs256_token(claims(), jwks);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(header_of(*t).at("alg").as_string(), "HS256");
  EXPECT_EQ(header_of(*t).at("kid").as_string(), "k9");
  EXPECT_EQ(first_kid(jwks), "k9");
  EXPECT_FALSE(public_key_hs256_token(claims(), R"({"keys":[]})"));
}

TEST(ForgedTokens, AlteredAudienceKeepsHeaderAndSignature) {
  std::string jwt = alg_none_token(claims()) + "c2ln";
  auto altered = with_altered_audience(jwt, "https://other.example/mcp");
  ASSERT_TRUE(altered);
  EXPECT_EQ(altered->substr(0, altered->find('.')), jwt.substr(0, jwt.find('.')));
  EXPECT_TRUE(altered->ends_with(".c2ln"));
  EXPECT_EQ(unverified_claims(*altered)->at("aud").as_string(), "https://other.example/mcp");
  EXPECT_FALSE(with_altered_audience("opaque-token", "x"));
  EXPECT_FALSE(unverified_claims("a.!!!.c"));
}

}  // namespace
}  // namespace mcpgate::audit
