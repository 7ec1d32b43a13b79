// JWK / JWKS parsing (RFC 7517 §4, §5; RFC 7518 §6; RFC 8037 §2; RFC 8725 §3.4, §3.5).
#include <gtest/gtest.h>

#include "core/json.hpp"
#include "harness.hpp"
#include "oauth/resource_uri.hpp"

namespace mcpgate::oauth::testing {
namespace {
namespace json = boost::json;
using A = Algorithm;

Result<Jwk> jwk(const json::object& o, JwkOptions opt = {}) {
  return parse_jwk(o, opt);
}

TEST(Jwk, EachSupportedKeyTypeParses_Rfc7518_6) {
  auto& k = TestKeys::get();
  auto set = parse_jwks(k.jwks());
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->keys.size(), 4u);  // ec1, ec384, rs1, ed1
  EXPECT_EQ(set->skipped, 1u);      // rs1024
  EXPECT_EQ(set->candidates(std::string("rs1"), A::PS256).size(), 1u);
  EXPECT_EQ(set->candidates(std::string("ec384"), A::ES384).size(), 1u);
  EXPECT_EQ(set->candidates(std::string("ed1"), A::EdDSA).size(), 1u);
  EXPECT_EQ(set->candidates(std::nullopt, A::ES256).size(), 1u);
}

TEST(Jwk, RsaBelow2048BitsRejected_Rfc8725_3_5) {
  auto r = jwk(*TestKeys::get().rs1024.public_jwk());
  ASSERT_FALSE(r.has_value());
}

TEST(Jwk, PrivateMembersRejected_Rfc7517_4) {
  auto o = *TestKeys::get().ec1.public_jwk();
  o["d"] = "AAAA";
  EXPECT_FALSE(jwk(o).has_value());
}

TEST(Jwk, UseEncAndKeyOpsWithoutVerifyAreNotForSignatures_Rfc7517_4_2_4_3) {
  auto o = *TestKeys::get().ec1.public_jwk();
  o["use"] = "enc";
  auto r = jwk(o);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->compatible_with(A::ES256));
  o["use"] = "sig";
  o["key_ops"] = json::array{"encrypt"};
  EXPECT_FALSE(jwk(o)->compatible_with(A::ES256));
  o["key_ops"] = json::array{"verify"};
  EXPECT_TRUE(jwk(o)->compatible_with(A::ES256));
}

TEST(Jwk, JwkAlgMustMatchTokenAlg_Rfc7517_4_4) {
  auto o = *TestKeys::get().rs1.public_jwk(std::nullopt, A::RS256);
  auto r = jwk(o);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->compatible_with(A::RS256));
  EXPECT_FALSE(r->compatible_with(A::PS256));
  o["alg"] = "ES256";  // an RSA key claiming an EC algorithm
  EXPECT_FALSE(jwk(o).has_value());
  o["alg"] = "none";
  EXPECT_FALSE(jwk(o).has_value());
}

TEST(Jwk, SymmetricOnlyWhenAllowed_Rfc8725_3_2) {
  json::object o{{"kty", "oct"}, {"k", base64url_encode(std::string(32, 'k'))}};
  EXPECT_FALSE(jwk(o).has_value());
  auto r = jwk(o, JwkOptions{true, 2048});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->compatible_with(A::HS256));
  EXPECT_FALSE(r->compatible_with(A::HS512));  // key shorter than the hash (RFC 7518 §3.2)
  EXPECT_FALSE(r->compatible_with(A::RS256));
}

TEST(Jwk, EcCoordinateMustBeFullLength_Rfc7518_6_2_1_2) {
  auto o = *TestKeys::get().ec1.public_jwk();
  auto x = *base64url_decode(std::string_view(o["x"].as_string()));
  o["x"] = base64url_encode(x.substr(1));
  EXPECT_FALSE(jwk(o).has_value());
}

TEST(Jwk, PointNotOnCurveRejected_Rfc8725_3_4) {
  auto o = *TestKeys::get().ec1.public_jwk();
  auto y = *base64url_decode(std::string_view(o["y"].as_string()));
  y.back() = static_cast<char>(y.back() ^ 1);
  o["y"] = base64url_encode(y);
  EXPECT_FALSE(jwk(o).has_value());
}

TEST(Jwk, CurveMismatchBetweenCrvAndCoordinates_Rfc7518_6_2_1_1) {
  auto o = *TestKeys::get().ec1.public_jwk();
  o["crv"] = "P-384";
  EXPECT_FALSE(jwk(o).has_value());
  o["crv"] = "secp256k1";
  EXPECT_FALSE(jwk(o).has_value());
}

TEST(Jwk, Ed25519WrongLengthAndX25519Rejected_Rfc8037_2) {
  auto o = *TestKeys::get().ed1.public_jwk();
  o["crv"] = "X25519";
  EXPECT_FALSE(jwk(o).has_value());
  o["crv"] = "Ed25519";
  o["x"] = base64url_encode(std::string(31, 'x'));
  EXPECT_FALSE(jwk(o).has_value());
}

TEST(Jwk, RsaEvenOrUnitExponentRejected_Rfc7518_6_3_1_2) {
  auto o = *TestKeys::get().rs1.public_jwk();
  o["e"] = base64url_encode(std::string("\x01", 1));
  EXPECT_FALSE(jwk(o).has_value());
  o["e"] = base64url_encode(std::string("\x01\x00\x00", 3));
  EXPECT_FALSE(jwk(o).has_value());
}

TEST(Jwks, DocumentLevelErrors_Rfc7517_5) {
  EXPECT_FALSE(parse_jwks("[]").has_value());
  EXPECT_FALSE(parse_jwks("{}").has_value());
  EXPECT_FALSE(parse_jwks(R"({"keys":{}})").has_value());
  EXPECT_FALSE(parse_jwks(R"({"keys":[],"keys":[]})").has_value());
  std::string many = "{\"keys\":[";
  for (int i = 0; i < 65; ++i) many += std::string(i ? "," : "") + "{}";
  EXPECT_FALSE(parse_jwks(many + "]}").has_value());
  auto empty = parse_jwks(R"({"keys":[{"kty":"RSA"},7,{"kty":"unknown"}]})");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->skipped, 3u);
}

TEST(Jwks, SymmetricKeysInFetchedSetsAreSkipped_Rfc8725_3_2) {
  auto set = parse_jwks(R"({"keys":[{"kty":"oct","kid":"h","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]})");
  ASSERT_TRUE(set.has_value());
  EXPECT_TRUE(set->keys.empty());
}

TEST(Signature, EcdsaRawDerRoundTrip_Rfc7518_3_4) {
  auto& k = TestKeys::get();
  auto raw = *sign_bytes(k.ec1, A::ES256, "input");
  EXPECT_EQ(raw.size(), 64u);
  auto der = ecdsa_raw_to_der(raw);
  ASSERT_TRUE(der.has_value());
  EXPECT_EQ(ecdsa_der_to_raw(*der, 32), raw);
}

// RFC 8707 §2 / RFC 3986 §6.2.2 normalization used for audiences.
TEST(ResourceUri, Normalization_Rfc8707_2) {
  EXPECT_EQ(normalize_resource("HTTPS://MCP.Example.COM:443/Mcp/#frag"), "https://mcp.example.com/Mcp");
  EXPECT_EQ(normalize_resource("http://h:80/"), "http://h");
  EXPECT_EQ(normalize_resource("http://h:8080/a/?q=/"), "http://h:8080/a?q=/");
  EXPECT_EQ(normalize_resource("urn:example:mcp/"), "urn:example:mcp");
}

}  // namespace
}  // namespace mcpgate::oauth::testing
