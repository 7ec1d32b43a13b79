// validate_id_token: OpenID Connect Core 1.0 §3.1.3.7, each step a test — the ID token of an
// upstream provider is believed only when every one of them holds.
#include "authserver/id_token.hpp"

#include <gtest/gtest.h>

#include "core/base64url.hpp"
#include "oauth/jwks.hpp"
#include "oauth/token_minter.hpp"

namespace mcpgate::authserver {
namespace {
namespace json = boost::json;
using oauth::Algorithm;

constexpr std::int64_t kNow = 1'700'000'000;

struct Provider {
  oauth::SigningKey key = *oauth::SigningKey::generate(Algorithm::ES256);
  oauth::SigningKey rsa = *oauth::SigningKey::generate(Algorithm::RS256);
  oauth::JwkSet set;
  Provider() {
    json::array keys{*key.public_jwk("k1", Algorithm::ES256), *rsa.public_jwk("r1", Algorithm::RS256)};
    set = *oauth::parse_jwks(json::serialize(json::object{{"keys", keys}}));
  }
  IdTokenKeys keys() const {
    return [this](const std::optional<std::string>& kid,
                  Algorithm alg) -> oauth::AuthResult<std::vector<std::shared_ptr<const oauth::Jwk>>> {
      auto c = set.candidates(kid, alg);
      if (c.empty()) return oauth::reject(oauth::AuthError::unknown_key);
      return c;
    };
  }
};

json::object claims() {
  return {{"iss", "https://idp.example"},
          {"sub", "u-1"},
          {"aud", "mcpgate"},
          {"iat", kNow - 10},
          {"exp", kNow + 300},
          {"nonce", "n-123"}};
}

IdTokenCheck check() {
  return {"https://idp.example", "mcpgate", "n-123", {Algorithm::ES256, Algorithm::RS256}, "sub", kNow, 60};
}

std::string mint(const Provider& p, json::object c, Algorithm alg = Algorithm::ES256, std::string kid = "k1") {
  const auto& key = alg == Algorithm::ES256 ? p.key : p.rsa;
  return *oauth::mint_token(key, oauth::MintRequest{alg, kid, "JWT", std::move(c)});
}

TEST(IdToken, AValidTokenNamesTheUser) {
  Provider p;
  auto r = validate_id_token(mint(p, claims()), check(), p.keys());
  ASSERT_TRUE(r) << name(r.error());
  EXPECT_EQ(r->user, "u-1");
  EXPECT_EQ(r->claims.at("nonce").as_string(), "n-123");
}

// §3.1.3.7 (6): the signature, with the provider's key; a forged token is refused.
TEST(IdToken, ForgedSignatureIsRefused) {
  Provider p, attacker;
  auto r = validate_id_token(mint(attacker, claims()), check(), p.keys());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), IdTokenError::bad_signature);
}

// §3.1.3.7 (7), RFC 8725 §3.1: alg none and algorithms off the allow-list.
TEST(IdToken, AlgNoneAndAlgorithmsOffTheListAreRefused) {
  Provider p;
  auto none =
      base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + base64url_encode(json::serialize(claims())) + ".";
  auto r = validate_id_token(none, check(), p.keys());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), IdTokenError::unsupported_algorithm);
  auto c = check();
  c.algorithms = {Algorithm::ES256};
  auto rs = validate_id_token(mint(p, claims(), Algorithm::RS256, "r1"), c, p.keys());
  ASSERT_FALSE(rs);
  EXPECT_EQ(rs.error(), IdTokenError::unsupported_algorithm);
  // HMAC is never accepted, even when listed: its key would be our client secret.
  c.algorithms = {Algorithm::HS256};
  auto hs = base64url_encode(R"({"alg":"HS256"})") + "." + base64url_encode(json::serialize(claims())) + ".c2ln";
  auto h = validate_id_token(hs, c, p.keys());
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error(), IdTokenError::unsupported_algorithm);
}

// §3.1.3.7 (2): iss is exactly the provider (mix-up).
TEST(IdToken, AnotherIssuerIsRefused) {
  Provider p;
  auto c = claims();
  c["iss"] = "https://idp.example/";
  auto r = validate_id_token(mint(p, c), check(), p.keys());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), IdTokenError::wrong_issuer);
}

// §3.1.3.7 (3)-(5): aud contains our client_id; a second audience (an application id, an API)
// is tolerated with azp = us, refused without azp; azp naming another client is refused.
TEST(IdToken, AudienceAndAuthorizedParty) {
  Provider p;
  auto c = claims();
  c["aud"] = "another-client";
  EXPECT_EQ(validate_id_token(mint(p, c), check(), p.keys()).error(), IdTokenError::wrong_audience);
  c["aud"] = json::array{"api://application-id", "mcpgate"};
  EXPECT_EQ(validate_id_token(mint(p, c), check(), p.keys()).error(), IdTokenError::wrong_audience);
  c["azp"] = "mcpgate";
  EXPECT_TRUE(validate_id_token(mint(p, c), check(), p.keys()));
  c["azp"] = "another-client";
  EXPECT_EQ(validate_id_token(mint(p, c), check(), p.keys()).error(), IdTokenError::wrong_audience);
}

// §3.1.3.7 (11): the nonce of this sign-in; absent or another one is a replay.
TEST(IdToken, NonceMustBeThisSignIns) {
  Provider p;
  auto c = claims();
  c["nonce"] = "n-other";
  EXPECT_EQ(validate_id_token(mint(p, c), check(), p.keys()).error(), IdTokenError::wrong_nonce);
  c.erase("nonce");
  EXPECT_EQ(validate_id_token(mint(p, c), check(), p.keys()).error(), IdTokenError::wrong_nonce);
}

// §3.1.3.7 (9), (10): exp and iat, with the configured skew and no more.
TEST(IdToken, ExpiryAndIssueTimeWithSkew) {
  Provider p;
  auto c = claims();
  c["exp"] = kNow - 30;  // within the 60 s skew
  EXPECT_TRUE(validate_id_token(mint(p, c), check(), p.keys()));
  c["exp"] = kNow - 61;
  EXPECT_EQ(validate_id_token(mint(p, c), check(), p.keys()).error(), IdTokenError::expired);
  c.erase("exp");
  EXPECT_EQ(validate_id_token(mint(p, c), check(), p.keys()).error(), IdTokenError::expired);
  c = claims();
  c["iat"] = kNow + 120;
  EXPECT_EQ(validate_id_token(mint(p, c), check(), p.keys()).error(), IdTokenError::issued_in_future);
}

// user_claim: another claim may name the user (Entra ID's oid); it must be a non-empty string.
TEST(IdToken, UserClaimIsConfigurable) {
  Provider p;
  auto c = claims();
  c["oid"] = "object-id-7";
  auto ch = check();
  ch.user_claim = "oid";
  auto r = validate_id_token(mint(p, c), ch, p.keys());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->user, "object-id-7");
  c["oid"] = "";
  EXPECT_EQ(validate_id_token(mint(p, c), ch, p.keys()).error(), IdTokenError::missing_user);
}

TEST(IdToken, UnknownKeyAndUnavailableKeys) {
  Provider p;
  EXPECT_EQ(validate_id_token(mint(p, claims(), Algorithm::ES256, "k9"), check(), p.keys()).error(),
            IdTokenError::unknown_key);
  IdTokenKeys down = [](const std::optional<std::string>&,
                        Algorithm) -> oauth::AuthResult<std::vector<std::shared_ptr<const oauth::Jwk>>> {
    return oauth::reject(oauth::AuthError::keys_unavailable);
  };
  EXPECT_EQ(validate_id_token(mint(p, claims()), check(), down).error(), IdTokenError::keys_unavailable);
}

}  // namespace
}  // namespace mcpgate::authserver
