// The adversarial table: every token a hostile or confused client could send, and the named
// reason it is refused (or, for the controls, that it is accepted). RFC sections in the names.
#include <gtest/gtest.h>

#include <functional>

#include "core/json.hpp"
#include "harness.hpp"

namespace mcpgate::oauth::testing {
namespace {
namespace json = boost::json;
using A = Algorithm;

struct Case {
  const char* name;
  std::function<std::string(const TestKeys&)> token;
  std::optional<AuthError> expected;  // nullopt: accepted
};

std::string claims_text(json::object o = default_claims()) {
  return json::serialize(o);
}

// Changes one signature character well inside the part: the last character carries padding bits,
// and changing it there can make the encoding non-canonical (malformed) rather than forged.
std::string flip_last_sig_char(std::string t) {
  auto& c = t[t.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  return t;
}

std::string replace_part(const std::string& token, int index, std::string_view replacement) {
  auto d1 = token.find('.'), d2 = token.find('.', d1 + 1);
  std::string parts[3] = {token.substr(0, d1), token.substr(d1 + 1, d2 - d1 - 1), token.substr(d2 + 1)};
  parts[index] = std::string(replacement);
  return parts[0] + "." + parts[1] + "." + parts[2];
}

std::string der_signed(const TestKeys& k) {
  std::string input = base64url_encode(header_json("ES256", "ec1")) + "." + base64url_encode(claims_text());
  auto raw = *sign_bytes(k.ec1, A::ES256, input);
  auto der = *ecdsa_raw_to_der(raw);
  return input + "." + base64url_encode(der);
}

std::string nested(int depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      // Controls: each supported algorithm verifies (RFC 7518 §3, RFC 8037 §3.1).
      {"Accept_ES256_Rfc7518_3_4", [](auto& k) { return mint(k.ec1, A::ES256, "ec1"); }, std::nullopt},
      {"Accept_ES384_Rfc7518_3_4", [](auto& k) { return mint(k.ec384, A::ES384, "ec384"); }, std::nullopt},
      {"Accept_RS256_Rfc7518_3_3", [](auto& k) { return mint(k.rs1, A::RS256, "rs1"); }, std::nullopt},
      {"Accept_PS256_Rfc7518_3_5", [](auto& k) { return mint(k.rs1, A::PS256, "rs1"); }, std::nullopt},
      {"Accept_EdDSA_Rfc8037_3_1", [](auto& k) { return mint(k.ed1, A::EdDSA, "ed1"); }, std::nullopt},
      {"Accept_HS256WithConfiguredSecret_Rfc7518_3_2",
       [](auto&) { return hmac_token(A::HS256, kHmacSecret, header_json("HS256", "hs"), claims_text()); },
       std::nullopt},
      {"Accept_NoKidTriesCompatibleKeys_Rfc7515_4_1_4", [](auto& k) { return mint(k.ec1, A::ES256, ""); },
       std::nullopt},

      // Signatures (RFC 7515 §5.2).
      {"ForgedSignature_Rfc7515_5_2", [](auto& k) { return flip_last_sig_char(mint(k.ec1, A::ES256, "ec1")); },
       AuthError::bad_signature},
      {"ResignedWithAnotherKeySameKid_Rfc7515_5_2", [](auto& k) { return mint(k.ec_attacker, A::ES256, "ec1"); },
       AuthError::bad_signature},
      {"RsaResignedWithAnotherKey_Rfc7515_5_2", [](auto& k) { return mint(k.rs_attacker, A::RS256, "rs1"); },
       AuthError::bad_signature},
      {"PayloadSwappedAfterSigning_Rfc7515_5_2",
       [](auto& k) {
         auto good = mint(k.ec1, A::ES256, "ec1");
         return replace_part(good, 1, base64url_encode(claims_text(with(default_claims(), "sub", "admin"))));
       },
       AuthError::bad_signature},
      {"HeaderSwappedAfterSigning_Rfc7515_5_2",
       [](auto& k) {
         auto good = mint(k.ec1, A::ES256, "ec1");
         return replace_part(good, 0, base64url_encode(header_json("ES256", "ec1", ",\"x\":1")));
       },
       AuthError::bad_signature},
      {"EmptySignature_Rfc7515_5_2", [](auto& k) { return replace_part(mint(k.ec1, A::ES256, "ec1"), 2, ""); },
       AuthError::bad_signature},
      {"DerEncodedEcdsaSignature_Rfc7518_3_4", [](auto& k) { return der_signed(k); }, AuthError::bad_signature},
      {"EcdsaSignatureOneByteLong_Rfc7518_3_4",
       [](auto& k) {
         auto t = mint(k.ec1, A::ES256, "ec1");
         auto sig = *base64url_decode(t.substr(t.rfind('.') + 1));
         return replace_part(t, 2, base64url_encode(sig + '\0'));
       },
       AuthError::bad_signature},
      {"TruncatedRsaSignature_Rfc7518_3_3",
       [](auto& k) {
         auto t = mint(k.rs1, A::RS256, "rs1");
         auto sig = *base64url_decode(t.substr(t.rfind('.') + 1));
         return replace_part(t, 2, base64url_encode(sig.substr(0, sig.size() - 1)));
       },
       AuthError::bad_signature},
      {"Rs256TokenVerifiedAsPs256_Rfc7518_3_5",
       [](auto& k) {
         std::string input = base64url_encode(header_json("PS256", "rs1")) + "." + base64url_encode(claims_text());
         return input + "." + base64url_encode(*sign_bytes(k.rs1, A::RS256, input));
       },
       AuthError::bad_signature},
      {"Hs256WrongSecret_Rfc7518_3_2",
       [](auto&) {
         return hmac_token(A::HS256, "another-secret-that-is-long-enough-000", header_json("HS256", "hs"),
                           claims_text());
       },
       AuthError::bad_signature},

      // Algorithm confusion (RFC 8725 §2.1, §3.1).
      {"Hs256KeyedWithRsaPublicKeyPem_Rfc8725_2_1",
       [](auto& k) {
         auto jwk = *k.rs1.public_jwk("rs1");
         return hmac_token(A::HS256, json::serialize(jwk), header_json("HS256", "rs1"), claims_text());
       },
       AuthError::unknown_key},
      {"Hs256KeyedWithEcPublicKey_Rfc8725_2_1",
       [](auto& k) {
         auto jwk = *k.ec1.public_jwk("ec1");
         auto x = *base64url_decode(std::string_view(jwk["x"].as_string()));
         return hmac_token(A::HS256, x + x, header_json("HS256", "ec1"), claims_text());
       },
       AuthError::unknown_key},
      {"AlgNone_Rfc8725_3_1",
       [](auto&) { return base64url_encode("{\"alg\":\"none\"}") + "." + base64url_encode(claims_text()) + "."; },
       AuthError::unsupported_algorithm},
      {"AlgNoneCapitalised_Rfc8725_3_1",
       [](auto&) { return base64url_encode("{\"alg\":\"None\"}") + "." + base64url_encode(claims_text()) + "."; },
       AuthError::unsupported_algorithm},
      {"AlgNoneUpper_Rfc8725_3_1",
       [](auto&) { return base64url_encode("{\"alg\":\"NONE\"}") + "." + base64url_encode(claims_text()) + "."; },
       AuthError::unsupported_algorithm},
      {"AlgNoneMixedWithSignature_Rfc8725_3_1",
       [](auto& k) {
         return replace_part(mint(k.ec1, A::ES256, "ec1"), 0, base64url_encode("{\"alg\":\"nOnE\",\"kid\":\"ec1\"}"));
       },
       AuthError::unsupported_algorithm},
      {"AlgMissing_Rfc7515_4_1_1",
       [](auto& k) { return replace_part(mint(k.ec1, A::ES256, "ec1"), 0, base64url_encode("{\"kid\":\"ec1\"}")); },
       AuthError::unsupported_algorithm},
      {"AlgLowercase_Rfc7515_4_1_1",
       [](auto& k) { return sign(k.ec1, A::ES256, header_json("es256", "ec1"), claims_text()); },
       AuthError::unsupported_algorithm},
      {"AlgNotOnIssuerAllowList_Rfc8725_3_1",
       [](auto& k) { return sign(k.ec1, A::ES256, header_json("ES512", "ec1"), claims_text()); },
       AuthError::unsupported_algorithm},
      {"Hs384NotAllowedForIssuer_Rfc8725_3_1",
       [](auto&) { return hmac_token(A::HS384, std::string(64, 'k'), header_json("HS384", "hs"), claims_text()); },
       AuthError::unsupported_algorithm},

      // Keys (RFC 7517 §4.5, RFC 7518 §6).
      {"UnknownKid_Rfc7517_4_5", [](auto& k) { return mint(k.ec1, A::ES256, "nope"); }, AuthError::unknown_key},
      {"KtyMismatchRs256OnEcKid_Rfc8725_3_1", [](auto& k) { return mint(k.rs1, A::RS256, "ec1"); },
       AuthError::unknown_key},
      {"CurveMismatchEs384OnP256Kid_Rfc7518_3_4", [](auto& k) { return mint(k.ec384, A::ES384, "ec1"); },
       AuthError::unknown_key},
      {"EdDsaOnRsaKid_Rfc8037_3_1", [](auto& k) { return mint(k.ed1, A::EdDSA, "rs1"); }, AuthError::unknown_key},
      {"RsaKeyBelow2048BitsRefused_Rfc8725_3_5", [](auto& k) { return mint(k.rs1024, A::RS256, "rs1024"); },
       AuthError::unknown_key},
      {"EmbeddedJwkHeaderIgnored_Rfc8725_3_10",
       [](auto& k) {
         auto jwk = json::serialize(*k.ec_attacker.public_jwk());
         return sign(k.ec_attacker, A::ES256, header_json("ES256", "ec1", ",\"jwk\":" + jwk), claims_text());
       },
       AuthError::bad_signature},
      {"JkuHeaderIgnored_Rfc8725_3_10",
       [](auto& k) {
         return sign(k.ec_attacker, A::ES256, header_json("ES256", "evil", ",\"jku\":\"http://evil.example/jwks\""),
                     claims_text());
       },
       AuthError::unknown_key},
      {"KidNotAString_Rfc7515_4_1_4",
       [](auto& k) { return sign(k.ec1, A::ES256, "{\"alg\":\"ES256\",\"kid\":7}", claims_text()); },
       AuthError::malformed_token},

      // Serialization (RFC 7515 §2, §7.1).
      {"PaddedBase64url_Rfc7515_2",
       [](auto& k) {
         auto t = mint(k.ec1, A::ES256, "ec1", with(default_claims(), "x", "a"));
         auto d1 = t.find('.'), d2 = t.find('.', d1 + 1);
         auto p = t.substr(d1 + 1, d2 - d1 - 1);
         while (p.size() % 4) p += '=';
         return replace_part(t, 1, p);
       },
       AuthError::malformed_token},
      {"NonCanonicalBase64urlTrailingBits_Rfc4648_3_5",
       [](auto& k) {
         auto t = mint(k.ec1, A::ES256, "ec1");
         // ES256 signatures are 64 bytes: 86 chars, the last carries 4 unused bits.
         char& last = t.back();
         last = last == 'A' ? 'B' : static_cast<char>(last + 1);
         return t;
       },
       AuthError::malformed_token},
      {"StandardBase64Alphabet_Rfc7515_2",
       [](auto& k) {
         auto t = mint(k.ec1, A::ES256, "ec1");
         t[t.find('.') + 1] = '+';
         return t;
       },
       AuthError::malformed_token},
      {"WhitespaceInside_Rfc7515_7_1",
       [](auto& k) {
         auto t = mint(k.ec1, A::ES256, "ec1");
         t.insert(5, " ");
         return t;
       },
       AuthError::malformed_token},
      {"ExtraDot_Rfc7515_7_1", [](auto& k) { return mint(k.ec1, A::ES256, "ec1") + ".AAAA"; },
       AuthError::malformed_token},
      {"FivePartsJwe_Rfc7516_7_1", [](auto&) { return std::string("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"); },
       AuthError::malformed_token},
      {"TwoPartsOnly_Rfc7515_7_1",
       [](auto& k) {
         auto t = mint(k.ec1, A::ES256, "ec1");
         return t.substr(0, t.rfind('.'));
       },
       AuthError::malformed_token},
      {"EmptyHeader_Rfc7515_7_1", [](auto& k) { return replace_part(mint(k.ec1, A::ES256, "ec1"), 0, ""); },
       AuthError::malformed_token},
      {"HugeToken_Rfc8725_3_x",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "pad", json::string(9000, 'a'))); },
       AuthError::token_too_large},
      {"HeaderNotJson_Rfc7515_4",
       [](auto& k) { return replace_part(mint(k.ec1, A::ES256, "ec1"), 0, base64url_encode("alg=ES256")); },
       AuthError::malformed_token},
      {"HeaderIsArray_Rfc7515_4",
       [](auto& k) { return replace_part(mint(k.ec1, A::ES256, "ec1"), 0, base64url_encode("[\"ES256\"]")); },
       AuthError::malformed_token},
      {"DuplicateAlgInHeader_Rfc7515_4_Rfc8725_3_1",
       [](auto& k) {
         return sign(k.ec1, A::ES256, "{\"alg\":\"ES256\",\"kid\":\"ec1\",\"alg\":\"HS256\"}", claims_text());
       },
       AuthError::malformed_token},
      {"DuplicateAudInPayload_Rfc7519_4",
       [](auto& k) {
         return sign(
             k.ec1, A::ES256, header_json("ES256", "ec1"),
             R"({"iss":"https://as.example.com","aud":"https://evil.example","aud":"https://mcp.example.com/mcp","exp":1700000600})");
       },
       AuthError::malformed_token},
      {"PayloadDepthBomb_Rfc8259_9",
       [](auto& k) {
         return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "x", *parse_json(nested(60), {128, 1 << 20})));
       },
       AuthError::malformed_token},
      {"HeaderDepthBomb_Rfc8259_9",
       [](auto& k) { return sign(k.ec1, A::ES256, "{\"alg\":\"ES256\",\"x\":" + nested(100) + "}", claims_text()); },
       AuthError::malformed_token},
      {"PayloadIsArray_Rfc7519_7_2",
       [](auto& k) { return sign(k.ec1, A::ES256, header_json("ES256", "ec1"), "[1,2]"); }, AuthError::malformed_token},
      {"PayloadInvalidUtf8_Rfc7519_7_2",
       [](auto& k) { return sign(k.ec1, A::ES256, header_json("ES256", "ec1"), "{\"iss\":\"\xff\"}"); },
       AuthError::malformed_token},

      // Critical headers (RFC 7515 §4.1.11).
      {"UnknownCrit_Rfc7515_4_1_11",
       [](auto& k) {
         return sign(k.ec1, A::ES256, header_json("ES256", "ec1", ",\"crit\":[\"exp\"],\"exp\":1"), claims_text());
       },
       AuthError::unknown_critical_header},
      {"CritB64Unsupported_Rfc7797_6",
       [](auto& k) {
         return sign(k.ec1, A::ES256, header_json("ES256", "ec1", ",\"crit\":[\"b64\"],\"b64\":false"), claims_text());
       },
       AuthError::unknown_critical_header},
      {"CritEmptyArray_Rfc7515_4_1_11",
       [](auto& k) { return sign(k.ec1, A::ES256, header_json("ES256", "ec1", ",\"crit\":[]"), claims_text()); },
       AuthError::unknown_critical_header},

      // Time claims (RFC 7519 §4.1.4, §4.1.5, §4.1.6), leeway 30 s.
      {"Expired_Rfc7519_4_1_4",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "exp", kNow - 31)); },
       AuthError::expired},
      {"ExpiredWithinLeewayAccepted_Rfc7519_4_1_4",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "exp", kNow - 10)); }, std::nullopt},
      {"ExpExactlyAtLeewayEdge_Rfc7519_4_1_4",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "exp", kNow - 30)); },
       AuthError::expired},
      {"MissingExp_Rfc9068_2_2", [](auto& k) { return mint(k.ec1, A::ES256, "ec1", without(default_claims(), "exp")); },
       AuthError::missing_exp},
      {"ExpAsString_Rfc7519_2",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "exp", "9999999999")); },
       AuthError::malformed_token},
      {"ExpAbsurdlyLarge_Rfc7519_2",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "exp", 1e300)); },
       AuthError::malformed_token},
      {"NotYetValid_Rfc7519_4_1_5",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "nbf", kNow + 120)); },
       AuthError::not_yet_valid},
      {"NbfWithinLeewayAccepted_Rfc7519_4_1_5",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "nbf", kNow + 20)); }, std::nullopt},
      {"IssuedInTheFuture_Rfc7519_4_1_6",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "iat", kNow + 3600)); },
       AuthError::not_yet_valid},

      // Issuer (RFC 7519 §4.1.1, RFC 9068 §4).
      {"WrongIssuer_Rfc9068_4",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "iss", "https://evil.example")); },
       AuthError::wrong_issuer},
      {"IssuerTrailingSlashIsAnotherIssuer_Rfc8414_3_3",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "iss", "https://as.example.com/")); },
       AuthError::wrong_issuer},
      {"MissingIssuer_Rfc9068_2_2",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", without(default_claims(), "iss")); }, AuthError::wrong_issuer},
      {"IssuerNotAString_Rfc7519_4_1_1",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "iss", 42)); },
       AuthError::wrong_issuer},

      // Audience (RFC 8707 §2, RFC 9068 §4, RFC 7519 §4.1.3).
      {"AnotherResourcesAudience_Rfc8707_2",
       [](auto& k) {
         return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "aud", "https://other.example.com/mcp"));
       },
       AuthError::wrong_audience},
      {"AudienceArrayWithoutUs_Rfc7519_4_1_3",
       [](auto& k) {
         return mint(k.ec1, A::ES256, "ec1",
                     with(default_claims(), "aud", json::array{"https://a.example", "https://b.example/mcp"}));
       },
       AuthError::wrong_audience},
      {"AudienceArrayWithUs_Rfc7519_4_1_3",
       [](auto& k) {
         return mint(k.ec1, A::ES256, "ec1",
                     with(default_claims(), "aud", json::array{"https://a.example", kResource}));
       },
       std::nullopt},
      {"AudienceTrailingSlashNormalized_Rfc8707_2",
       [](auto& k) {
         return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "aud", "https://mcp.example.com/mcp/"));
       },
       std::nullopt},
      {"AudienceHostCaseNormalized_Rfc3986_6_2_2_1",
       [](auto& k) {
         return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "aud", "HTTPS://MCP.Example.com/mcp"));
       },
       std::nullopt},
      {"AudienceFragmentIgnored_Rfc8707_2",
       [](auto& k) {
         return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "aud", "https://mcp.example.com/mcp#x"));
       },
       std::nullopt},
      {"AudienceDefaultPortNormalized_Rfc3986_6_2_3",
       [](auto& k) {
         return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "aud", "https://mcp.example.com:443/mcp"));
       },
       std::nullopt},
      {"AudiencePathCaseMatters_Rfc3986_6_2_2_1",
       [](auto& k) {
         return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "aud", "https://mcp.example.com/MCP"));
       },
       AuthError::wrong_audience},
      {"AudienceOriginOnly_Rfc8707_2",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "aud", "https://mcp.example.com")); },
       AuthError::wrong_audience},
      {"AudiencePrefixIsNotUs_Rfc8707_2",
       [](auto& k) {
         return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "aud", "https://mcp.example.com/mcp2"));
       },
       AuthError::wrong_audience},
      {"MissingAudience_Rfc9068_4",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", without(default_claims(), "aud")); },
       AuthError::wrong_audience},

      // Explicit typing (RFC 9068 §2.1, §4; RFC 8725 §3.11) — the strict issuer requires at+jwt.
      {"TypJwtRejectedWhereAtJwtRequired_Rfc9068_4",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "iss", kStrictIssuer), "JWT"); },
       AuthError::wrong_type},
      {"TypMissingWhereRequired_Rfc9068_4",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "iss", kStrictIssuer), std::nullopt); },
       AuthError::wrong_type},
      {"TypApplicationAtJwtAccepted_Rfc9068_2_1",
       [](auto& k) {
         return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "iss", kStrictIssuer), "application/at+jwt");
       },
       std::nullopt},
      {"TypCaseInsensitive_Rfc7515_4_1_9",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "iss", kStrictIssuer), "AT+JWT"); },
       std::nullopt},
      {"TypNotRequiredByDefault_Rfc9068_2_1",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", default_claims(), std::nullopt); }, std::nullopt},

      // Claim types.
      {"SubNotAString_Rfc7519_4_1_2",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "sub", 5)); },
       AuthError::malformed_token},
      {"ScopeNotAString_Rfc9068_2_2_3",
       [](auto& k) { return mint(k.ec1, A::ES256, "ec1", with(default_claims(), "scope", json::array{"a"})); },
       AuthError::malformed_token},
  };
  return c;
}

class AdversarialTokens : public ::testing::TestWithParam<Case> {};

TEST_P(AdversarialTokens, NamedReason) {
  Harness h;
  auto token = GetParam().token(TestKeys::get());
  auto r = h.validate(token);
  if (GetParam().expected) {
    ASSERT_FALSE(r.has_value()) << "accepted a token that must be refused";
    EXPECT_EQ(name(r.error()), name(*GetParam().expected));
  } else {
    ASSERT_TRUE(r.has_value()) << "refused: " << name(r.error());
  }
}

INSTANTIATE_TEST_SUITE_P(Rfc, AdversarialTokens, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

TEST(TokenValidator, PrincipalCarriesIssuerSubjectClientScopesAndExpiry) {
  Harness h;
  auto r = h.validate(mint(TestKeys::get().ec1, A::ES256, "ec1"));
  ASSERT_TRUE(r.has_value());
  const Principal& p = **r;
  EXPECT_EQ(p.issuer, kIssuer);
  EXPECT_EQ(p.subject, "alice");
  EXPECT_EQ(p.client_id, "cli-1");
  EXPECT_EQ(p.scopes, (std::vector<std::string>{"mcp:read", "mcp:write"}));
  EXPECT_TRUE(p.has_scope("mcp:write"));
  EXPECT_EQ(p.expiry, std::chrono::system_clock::time_point(std::chrono::seconds(kNow + 600)));
  EXPECT_EQ(p.claims.at("sub").as_string(), "alice");
}

// RFC 9068 §2.2.3 `scope`; Entra ID / Okta `scp` as array or string; OIDC `azp` for client_id.
TEST(TokenValidator, ScpArrayAndAzpAreRead) {
  Harness h;
  auto claims = without(without(default_claims(), "scope"), "client_id");
  claims["scp"] = json::array{"files.read", "files.write"};
  claims["azp"] = "spa-client";
  auto r = h.validate(mint(TestKeys::get().ec1, A::ES256, "ec1", claims));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)->scopes, (std::vector<std::string>{"files.read", "files.write"}));
  EXPECT_EQ((*r)->client_id, "spa-client");
}

TEST(TokenValidator, ScpStringIsSpaceDelimitedAndExtraSpacesIgnored) {
  Harness h;
  auto claims = without(default_claims(), "scope");
  claims["scp"] = "  a   b ";
  auto r = h.validate(mint(TestKeys::get().ec1, A::ES256, "ec1", claims));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)->scopes, (std::vector<std::string>{"a", "b"}));
}

TEST(TokenValidator, NoScopeClaimMeansNoScopes) {
  Harness h;
  auto r = h.validate(mint(TestKeys::get().ec1, A::ES256, "ec1", without(default_claims(), "scope")));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE((*r)->scopes.empty());
}

TEST(TokenValidator, EmptyTokenIsMissing) {
  Harness h;
  auto r = h.validate("");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), AuthError::missing_token);
}

TEST(TokenValidator, ParseFailuresNeverReachSignatureVerification) {
  Harness h;
  (void)h.validate("a.b");
  (void)h.validate(base64url_encode("{\"alg\":\"none\"}") + "." + base64url_encode("{}") + ".");
  EXPECT_EQ(h.verifier.count.load(), 0);
}

TEST(TokenValidator, MintedFromPemRoundTrips) {
  Harness h;
  auto pem = *TestKeys::get().rs1.private_pem();
  auto key = SigningKey::from_pem(pem);
  ASSERT_TRUE(key.has_value());
  EXPECT_TRUE(h.validate(mint(*key, A::RS256, "rs1")).has_value());
  EXPECT_FALSE(SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").has_value());
}

}  // namespace
}  // namespace mcpgate::oauth::testing
