// The JWS compact parser on its own (RFC 7515 §7.1, RFC 7518, RFC 8725): structure, encoding,
// header rules. Signatures are not looked at here (signature_test.cpp).
#include "oauth/jws.hpp"

#include <gtest/gtest.h>

#include "core/base64url.hpp"

namespace mcpgate::oauth {
namespace {

std::string compact(std::string_view header, std::string_view payload = R"({"sub":"a"})",
                    std::string_view signature = "sig") {
  return base64url_encode(header) + "." + base64url_encode(payload) + "." + base64url_encode(signature);
}

AuthError error_of(std::string_view token, const JwsLimits& limits = {}) {
  auto r = parse_jws(token, limits);
  EXPECT_FALSE(r) << token;
  return r ? AuthError::missing_token : r.error();
}

TEST(Jws, ParsesHeaderPayloadSignatureAndSigningInput_Rfc7515_7_1) {
  auto token = compact(R"({"alg":"ES256","kid":"k1","typ":"at+jwt"})", R"({"sub":"alice"})", "raw-signature");
  auto jws = parse_jws(token);
  ASSERT_TRUE(jws);
  EXPECT_EQ(jws->header.alg, Algorithm::ES256);
  EXPECT_EQ(jws->header.kid, "k1");
  EXPECT_EQ(jws->header.typ, "at+jwt");
  EXPECT_EQ(jws->payload, R"({"sub":"alice"})");
  EXPECT_EQ(jws->signature, "raw-signature");
  EXPECT_EQ(jws->signing_input, token.substr(0, token.rfind('.')));
}

// RFC 7515 §7.1: exactly three base64url parts; five would be JWE (RFC 7516 §7.1), two or four
// are nothing.
TEST(Jws, MalformedSegmentsRejected_Rfc7515_7_1) {
  std::string h = base64url_encode(R"({"alg":"ES256"})");
  std::string p = base64url_encode(R"({"sub":"a"})");
  std::string good = h + "." + p + ".c2ln";
  EXPECT_EQ(error_of(""), AuthError::malformed_token);
  EXPECT_EQ(error_of(h), AuthError::malformed_token);
  EXPECT_EQ(error_of(h + "." + h), AuthError::malformed_token);
  EXPECT_EQ(error_of(good + ".x"), AuthError::malformed_token);
  EXPECT_EQ(error_of(good + ".x.y"), AuthError::malformed_token);
  EXPECT_EQ(error_of(".."), AuthError::malformed_token);
  EXPECT_EQ(error_of("." + p + ".c2ln"), AuthError::malformed_token);  // empty header
  EXPECT_EQ(error_of(h + "..c2ln"), AuthError::malformed_token);       // empty payload
}

// RFC 7515 §2: base64url without padding, with the URL-safe alphabet only.
TEST(Jws, NonCanonicalBase64urlRejected_Rfc7515_2) {
  auto good = compact(R"({"alg":"ES256"})");
  auto dot = good.find('.');
  EXPECT_EQ(error_of(good.substr(0, dot) + "=" + good.substr(dot)), AuthError::malformed_token);      // padding
  EXPECT_EQ(error_of("eyJhbGciOiJFUzI1NiJ9+/." + good.substr(dot + 1)), AuthError::malformed_token);  // std alphabet
  EXPECT_EQ(error_of(good.substr(0, dot) + ".e*30." + "c2ln"), AuthError::malformed_token);
}

// RFC 7515 §4: the header is one JSON object; RFC 8725 §3.1 / RFC 7515 §5.2: duplicate members
// are refused rather than picked one way or the other.
TEST(Jws, HeaderMustBeAJsonObjectWithoutDuplicates_Rfc7515_4) {
  EXPECT_EQ(error_of(compact("not json")), AuthError::malformed_token);
  EXPECT_EQ(error_of(compact(R"(["alg","ES256"])")), AuthError::malformed_token);
  EXPECT_EQ(error_of(compact(R"({"alg":"none","alg":"ES256"})")), AuthError::malformed_token);
  EXPECT_EQ(error_of(compact(R"({"alg":"ES256","kid":7})")), AuthError::malformed_token);
  EXPECT_EQ(error_of(compact(R"({"alg":"ES256","typ":["at+jwt"]})")), AuthError::malformed_token);
}

// RFC 7518 §3.6 / RFC 8725 §3.1: "none" is never accepted, in any spelling; alg is
// case-sensitive (RFC 7515 §4.1.1) and required.
TEST(Jws, AlgNoneMissingOrUnknownRejected_Rfc7518_3_6) {
  for (auto alg : {"none", "None", "NONE", "es256", "HS1", ""})
    EXPECT_EQ(error_of(compact(std::string(R"({"alg":")") + alg + "\"}", R"({"sub":"a"})", "")),
              AuthError::unsupported_algorithm)
        << alg;
  EXPECT_EQ(error_of(compact(R"({"typ":"at+jwt"})")), AuthError::unsupported_algorithm);
  EXPECT_EQ(error_of(compact(R"({"alg":256})")), AuthError::unsupported_algorithm);
}

// RFC 7515 §4.1.11: an extension listed in crit that the recipient does not understand makes the
// JWS invalid; none is implemented, so any crit is refused, before alg is even read.
TEST(Jws, AnyCriticalHeaderRejected_Rfc7515_4_1_11) {
  EXPECT_EQ(error_of(compact(R"({"alg":"ES256","crit":["exp"],"exp":1})")), AuthError::unknown_critical_header);
  EXPECT_EQ(error_of(compact(R"({"alg":"none","crit":["b64"],"b64":false})")), AuthError::unknown_critical_header);
}

// RFC 8725 §3.10 (key material in the header): jwk/jku/x5u/x5c are ignored, never trusted; the
// parsed header has nowhere to carry them.
TEST(Jws, EmbeddedKeysIgnored_Rfc8725_3_10) {
  auto jws = parse_jws(compact(R"({"alg":"RS256","jku":"https://evil.test/jwks","jwk":{"kty":"oct","k":"AA"}})"));
  ASSERT_TRUE(jws);
  EXPECT_EQ(jws->header.alg, Algorithm::RS256);
  EXPECT_FALSE(jws->header.kid);
}

TEST(Jws, SizeLimits) {
  JwsLimits limits;
  limits.max_token_bytes = 64;
  EXPECT_EQ(error_of(std::string(65, 'a'), limits), AuthError::token_too_large);
  JwsLimits header_limit;
  header_limit.max_header_bytes = 32;
  EXPECT_EQ(error_of(compact(R"({"alg":"ES256","kid":")" + std::string(64, 'k') + "\"}"), header_limit),
            AuthError::token_too_large);
  JwsLimits depth;
  depth.max_json_depth = 2;
  EXPECT_EQ(error_of(compact(R"({"alg":"ES256","x":{"y":{"z":{}}}})"), depth), AuthError::malformed_token);
}

}  // namespace
}  // namespace mcpgate::oauth
