// JWS signature verification on its own (RFC 7515 §5.2, RFC 7518 §3, RFC 8037 §3.1): each key
// type verifies what it signed and nothing else — not a tampered input, not another key's
// signature, not an algorithm of another family (algorithm confusion, RFC 8725 §2.1/§3.1).
#include "oauth/signature.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "core/base64url.hpp"
#include "oauth/jws.hpp"
#include "test_keys.hpp"

namespace mcpgate::oauth {
namespace {

using testing::TestKeys;

Jwk jwk_of(const SigningKey& key, Algorithm alg) {
  auto doc = key.public_jwk("k", alg);
  EXPECT_TRUE(doc);
  auto jwk = parse_jwk(*doc);
  EXPECT_TRUE(jwk) << (jwk ? "" : jwk.error().message);
  return std::move(*jwk);
}

struct Signed {
  std::string input, signature;
};
Signed sign(const SigningKey& key, Algorithm alg, std::string_view payload = R"({"sub":"alice"})") {
  auto token = *sign_compact(key, alg, "{\"alg\":\"" + std::string(algorithm_name(alg)) + "\"}", payload);
  auto jws = parse_jws(token);
  EXPECT_TRUE(jws);
  return {jws->signing_input, jws->signature};
}

AuthResult<void> verify(Algorithm alg, const Jwk& key, const Signed& s) {
  return default_verifier().verify(alg, key, s.input, s.signature);
}

template <Algorithm A, int N>
const SigningKey& generated() {
  static const SigningKey key = *SigningKey::generate(A);
  return key;
}

struct Case {
  const char* name;
  Algorithm alg;
  const SigningKey& (*key)();
  const SigningKey& (*other)();
};
const Case kCases[] = {
    {"ES256_Rfc7518_3_4", Algorithm::ES256, []() -> const SigningKey& { return TestKeys::get().ec1; },
     []() -> const SigningKey& { return TestKeys::get().ec_attacker; }},
    {"RS256_Rfc7518_3_3", Algorithm::RS256, []() -> const SigningKey& { return TestKeys::get().rs1; },
     []() -> const SigningKey& { return TestKeys::get().rs_attacker; }},
    {"PS256_Rfc7518_3_5", Algorithm::PS256, []() -> const SigningKey& { return TestKeys::get().rs1; },
     []() -> const SigningKey& { return TestKeys::get().rs_attacker; }},
    {"ES384_Rfc7518_3_4", Algorithm::ES384, generated<Algorithm::ES384, 0>, generated<Algorithm::ES384, 1>},
    {"ES512_Rfc7518_3_4", Algorithm::ES512, generated<Algorithm::ES512, 0>, generated<Algorithm::ES512, 1>},
    {"EdDSA_Rfc8037_3_1", Algorithm::EdDSA, []() -> const SigningKey& { return TestKeys::get().ed1; },
     []() -> const SigningKey& {
       static const SigningKey other = *SigningKey::generate(Algorithm::EdDSA);
       return other;
     }},
};

class EachAlgorithm : public ::testing::TestWithParam<Case> {};

TEST_P(EachAlgorithm, VerifiesItsOwnSignature) {
  auto& c = GetParam();
  EXPECT_TRUE(verify(c.alg, jwk_of(c.key(), c.alg), sign(c.key(), c.alg)));
}

// RFC 7515 §5.2 step 8: the signature covers header and payload; one changed byte of either fails.
TEST_P(EachAlgorithm, TamperedPayloadOrHeaderFails_Rfc7515_5_2) {
  auto& c = GetParam();
  auto key = jwk_of(c.key(), c.alg);
  auto s = sign(c.key(), c.alg);
  auto dot = s.input.find('.');
  Signed payload = s;
  payload.input = s.input.substr(0, dot + 1) + base64url_encode(R"({"sub":"admin"})");
  EXPECT_EQ(verify(c.alg, key, payload).error(), AuthError::bad_signature);
  Signed header = s;
  header.input = base64url_encode(R"({"alg":"RS512"})") + s.input.substr(dot);
  EXPECT_EQ(verify(c.alg, key, header).error(), AuthError::bad_signature);
  Signed flipped = s;
  flipped.signature[flipped.signature.size() / 2] ^= 0x01;
  EXPECT_EQ(verify(c.alg, key, flipped).error(), AuthError::bad_signature);
}

TEST_P(EachAlgorithm, AnotherKeysSignatureFails) {
  auto& c = GetParam();
  EXPECT_EQ(verify(c.alg, jwk_of(c.key(), c.alg), sign(c.other(), c.alg)).error(), AuthError::bad_signature);
}

// A signature cut short or padded is refused by its length before OpenSSL sees it (ECDSA raw
// r||s is fixed-length, RFC 7518 §3.4; RSA is the modulus length, RFC 8017 §8.2.2; Ed25519 is 64
// bytes, RFC 8032 §5.1.7).
TEST_P(EachAlgorithm, WrongSignatureLengthFails) {
  auto& c = GetParam();
  auto key = jwk_of(c.key(), c.alg);
  auto s = sign(c.key(), c.alg);
  Signed shorter = s, longer = s, empty = s;
  shorter.signature.pop_back();
  longer.signature += '\0';
  empty.signature.clear();
  EXPECT_EQ(verify(c.alg, key, shorter).error(), AuthError::bad_signature);
  EXPECT_EQ(verify(c.alg, key, longer).error(), AuthError::bad_signature);
  EXPECT_EQ(verify(c.alg, key, empty).error(), AuthError::bad_signature);
}

INSTANTIATE_TEST_SUITE_P(Rfc, EachAlgorithm, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

// RFC 8725 §2.1/§3.1 (algorithm confusion): the key decides what it can verify. HS256 keyed with
// the text of an RSA or EC public key — what a verifier that lets the token pick the algorithm
// would compute — is refused, as is a signature of one family presented under another's alg.
TEST(Signature, Hs256WithAPublicKeyAsSecretFails_Rfc8725_3_1) {
  auto& k = TestKeys::get();
  for (auto* key : {&k.rs1, &k.ec1}) {
    auto doc = *key->public_jwk("k");
    auto jwk = *parse_jwk(doc);
    std::string as_secret = boost::json::serialize(doc);
    std::string input = base64url_encode(R"({"alg":"HS256"})") + "." + base64url_encode(R"({"sub":"admin"})");
    auto mac = *hmac_sign(Algorithm::HS256, as_secret, input);
    EXPECT_EQ(default_verifier().verify(Algorithm::HS256, jwk, input, mac).error(), AuthError::bad_signature);
    std::string n_or_x = std::string(doc.contains("n") ? doc.at("n").as_string() : doc.at("x").as_string());
    mac = *hmac_sign(Algorithm::HS256, n_or_x, input);
    EXPECT_EQ(default_verifier().verify(Algorithm::HS256, jwk, input, mac).error(), AuthError::bad_signature);
  }
}

TEST(Signature, AlgorithmOfAnotherKeyTypeFails_Rfc8725_3_1) {
  auto& k = TestKeys::get();
  auto rsa = *parse_jwk(*k.rs1.public_jwk("rs"));
  auto ec = *parse_jwk(*k.ec1.public_jwk("ec"));
  auto ed = *parse_jwk(*k.ed1.public_jwk("ed"));
  // An RS256 signature checked as ES256 with the RSA key, an ES256 one as EdDSA with the EC key…
  EXPECT_EQ(verify(Algorithm::ES256, rsa, sign(k.rs1, Algorithm::RS256)).error(), AuthError::bad_signature);
  EXPECT_EQ(verify(Algorithm::EdDSA, ec, sign(k.ec1, Algorithm::ES256)).error(), AuthError::bad_signature);
  EXPECT_EQ(verify(Algorithm::RS256, ed, sign(k.ed1, Algorithm::EdDSA)).error(), AuthError::bad_signature);
  // …and a valid ES256 signature under ES384 (wrong curve for the key, RFC 7518 §3.4).
  EXPECT_EQ(verify(Algorithm::ES384, ec, sign(k.ec1, Algorithm::ES256)).error(), AuthError::bad_signature);
}

// RFC 7518 §3.3 vs §3.5: PKCS#1 v1.5 and PSS are different signatures over the same key.
TEST(Signature, Rs256AndPs256AreNotInterchangeable_Rfc7518_3_5) {
  auto& k = TestKeys::get();
  auto rsa = *parse_jwk(*k.rs1.public_jwk("rs"));
  EXPECT_EQ(verify(Algorithm::PS256, rsa, sign(k.rs1, Algorithm::RS256)).error(), AuthError::bad_signature);
  EXPECT_EQ(verify(Algorithm::RS256, rsa, sign(k.rs1, Algorithm::PS256)).error(), AuthError::bad_signature);
}

// RFC 7518 §3.4: a DER-encoded ECDSA signature is not the JWS form; one signature, one encoding.
TEST(Signature, EcdsaDerSignatureRefused_Rfc7518_3_4) {
  auto& k = TestKeys::get();
  auto ec = jwk_of(k.ec1, Algorithm::ES256);
  auto s = sign(k.ec1, Algorithm::ES256);
  auto der = ecdsa_raw_to_der(s.signature);
  ASSERT_TRUE(der);
  EXPECT_EQ(default_verifier().verify(Algorithm::ES256, ec, s.input, *der).error(), AuthError::bad_signature);
}

// RFC 7518 §3.2: HMAC with the configured shared secret verifies; another secret does not.
TEST(Signature, Hs256WithTheSharedSecret_Rfc7518_3_2) {
  std::string input = base64url_encode(R"({"alg":"HS256"})") + "." + base64url_encode(R"({"sub":"a"})");
  auto key = symmetric_key(Secret(testing::kHmacSecret));
  auto mac = *hmac_sign(Algorithm::HS256, testing::kHmacSecret, input);
  EXPECT_TRUE(default_verifier().verify(Algorithm::HS256, key, input, mac));
  auto other = *hmac_sign(Algorithm::HS256, "another-secret-of-enough-length-0123456789", input);
  EXPECT_EQ(default_verifier().verify(Algorithm::HS256, key, input, other).error(), AuthError::bad_signature);
  EXPECT_EQ(default_verifier().verify(Algorithm::HS384, key, input, mac).error(), AuthError::bad_signature);
}

// ECDSA keys read from a JWK verify through a context prepared once (Jwk::verify_ctx); a Jwk
// built without one verifies the same way, and many threads share one prepared key.
TEST(Signature, EcdsaVerdictsAreTheSameWithAndWithoutThePreparedContext) {
  auto& k = TestKeys::get();
  auto prepared = jwk_of(k.ec1, Algorithm::ES256);
  ASSERT_TRUE(prepared.verify_ctx) << "parse_jwk prepares EC keys";
  auto plain = prepared;
  plain.verify_ctx.reset();
  auto good = sign(k.ec1, Algorithm::ES256);
  auto foreign = sign(k.ec_attacker, Algorithm::ES256);
  for (const Jwk* key : {&prepared, &plain}) {
    EXPECT_TRUE(verify(Algorithm::ES256, *key, good));
    EXPECT_EQ(verify(Algorithm::ES256, *key, foreign).error(), AuthError::bad_signature);
    Signed flipped = good;
    flipped.signature[3] ^= 0x40;
    EXPECT_EQ(verify(Algorithm::ES256, *key, flipped).error(), AuthError::bad_signature);
  }
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        (verify(Algorithm::ES256, prepared, good) ? ok : refused)++;
        (verify(Algorithm::ES256, prepared, foreign) ? ok : refused)++;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 200);
  EXPECT_EQ(refused, 200);
}

// RFC 3279 §2.2.3: the DER form of r||s, written by hand, is byte for byte what OpenSSL's encoder
// makes, for each field size and for the edge values: leading zero bytes (dropped), a high bit
// (a zero byte before it), a zero integer, and P-521's sequence longer than 127 bytes.
TEST(Signature, EcdsaRawToDerMatchesOpenSsl_Rfc3279_2_2_3) {
  auto reference = [](std::string_view raw) {
    std::size_t half = raw.size() / 2;
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), int(half), nullptr);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half), int(half), nullptr);
    ECDSA_SIG* sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, r, s);
    unsigned char* der = nullptr;
    int len = i2d_ECDSA_SIG(sig, &der);
    std::string out(reinterpret_cast<char*>(der), std::size_t(len));
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    return out;
  };
  std::mt19937 rng(7);
  for (std::size_t field : {32u, 48u, 66u}) {
    for (int round = 0; round < 200; ++round) {
      std::string raw(2 * field, '\0');
      for (auto& c : raw) c = static_cast<char>(rng());
      if (round % 5 == 0) raw[0] = raw[1] = 0;                                // r with leading zeros
      if (round % 5 == 1) raw[field] = static_cast<char>(0x80);               // s with its high bit set
      if (round % 5 == 2) std::fill(raw.begin(), raw.begin() + field, '\0');  // r = 0
      if (round % 5 == 3) {                                                   // a zero byte that stays
        raw[0] = 0;
        raw[1] = static_cast<char>(0xff);
      }
      auto der = ecdsa_raw_to_der(raw);
      ASSERT_TRUE(der);
      EXPECT_EQ(*der, reference(raw)) << "field " << field << " round " << round;
      EXPECT_EQ(ecdsa_der_to_raw(*der, field), raw);
    }
  }
  EXPECT_FALSE(ecdsa_raw_to_der(""));
  EXPECT_FALSE(ecdsa_raw_to_der("abc"));
  EXPECT_FALSE(ecdsa_raw_to_der(std::string(134, 'x'))) << "longer than P-521's r||s";
}

}  // namespace
}  // namespace mcpgate::oauth
