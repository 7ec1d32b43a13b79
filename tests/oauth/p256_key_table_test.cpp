// ES256 verification from a key's tables (oauth/p256_key_table) judged against OpenSSL's own
// verifier (EVP_PKEY_verify): every signature either accepts, the other accepts, and every one
// either refuses, the other refuses. FIPS 186-5 §6.4.2: r and s in [1, n − 1], R = u1·G + u2·Q
// not the point at infinity, and x_R mod n = r.
#include "oauth/p256_key_table.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "oauth/signature.hpp"
#include "oauth/token_minter.hpp"
#include "test_keys.hpp"

namespace mcpgate::oauth {
namespace {

using testing::TestKeys;

std::string sha256(std::string_view m) {
  unsigned char md[32];
  unsigned len = 0;
  EVP_Digest(m.data(), m.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

// A signature of `digest` by `key`, as JWS carries it: r‖s, 32 bytes each.
std::string sign_raw(const SigningKey& key, const std::string& digest) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr);
  EXPECT_EQ(EVP_PKEY_sign_init(ctx), 1);
  unsigned char der[80];
  std::size_t len = sizeof der;
  EXPECT_EQ(EVP_PKEY_sign(ctx, der, &len, reinterpret_cast<const unsigned char*>(digest.data()), digest.size()), 1);
  EVP_PKEY_CTX_free(ctx);
  return *ecdsa_der_to_raw(std::string_view(reinterpret_cast<char*>(der), len), 32);
}

// OpenSSL's verdict on the same digest and r‖s.
bool evp_accepts(EVP_PKEY* key, const std::string& digest, const std::string& raw) {
  auto der = ecdsa_raw_to_der(raw);
  if (!der) return false;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
  EXPECT_EQ(EVP_PKEY_verify_init(ctx), 1);
  int rc = EVP_PKEY_verify(ctx, reinterpret_cast<const unsigned char*>(der->data()), der->size(),
                           reinterpret_cast<const unsigned char*>(digest.data()), digest.size());
  EVP_PKEY_CTX_free(ctx);
  return rc == 1;
}
bool evp_accepts(const SigningKey& key, const std::string& digest, const std::string& raw) {
  return evp_accepts(key.get(), digest, raw);
}

// r‖s with r or s replaced by a 32-byte big-endian value.
std::string with_half(std::string raw, bool second, const BIGNUM* v) {
  unsigned char b[32];
  EXPECT_EQ(BN_bn2binpad(v, b, 32), 32);
  raw.replace(second ? 32 : 0, 32, reinterpret_cast<char*>(b), 32);
  return raw;
}

const BIGNUM* order() {
  static EC_GROUP* g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  return EC_GROUP_get0_order(g);
}

TEST(P256KeyTable, AcceptsWhatTheKeySignedAndAgreesWithOpenSslOnEveryChange) {
  const auto& key = TestKeys::get().ec1;
  auto table = P256KeyTable::build(key.get());
  ASSERT_TRUE(table);
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    auto digest = sha256("message " + std::to_string(i));
    auto raw = sign_raw(key, digest);
    ASSERT_TRUE(evp_accepts(key, digest, raw));
    EXPECT_TRUE(table->verify(digest, raw)) << "signature " << i;
    // One bit of the signature or of the digest changed: both refuse.
    auto bit = rng() % (8 * 64);
    auto bad_sig = raw;
    bad_sig[bit / 8] = static_cast<char>(bad_sig[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_EQ(table->verify(digest, bad_sig), evp_accepts(key, digest, bad_sig)) << "bit " << bit;
    EXPECT_FALSE(table->verify(digest, bad_sig));
    auto bad_digest = digest;
    bad_digest[i % 32] = static_cast<char>(bad_digest[i % 32] ^ 0x40);
    EXPECT_FALSE(table->verify(bad_digest, raw));
    EXPECT_FALSE(evp_accepts(key, bad_digest, raw));
  }
}

TEST(P256KeyTable, AnotherKeysSignatureIsRefused) {
  auto table = P256KeyTable::build(TestKeys::get().ec1.get());
  ASSERT_TRUE(table);
  auto digest = sha256("m");
  auto raw = sign_raw(TestKeys::get().ec_attacker, digest);
  EXPECT_FALSE(table->verify(digest, raw));
  EXPECT_FALSE(evp_accepts(TestKeys::get().ec1, digest, raw));
}

// ECDSA signatures are malleable: (r, n − s) is as valid as (r, s). JWS does not ask for low s, and
// OpenSSL accepts both; so does the table (a refusal here would be a token OpenSSL accepts).
TEST(P256KeyTable, TheOtherSOfTheSamePointIsValidAsForOpenSsl) {
  const auto& key = TestKeys::get().ec1;
  auto table = P256KeyTable::build(key.get());
  auto digest = sha256("malleable");
  auto raw = sign_raw(key, digest);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  BIGNUM* other = BN_new();
  BN_sub(other, order(), s);
  auto flipped = with_half(raw, true, other);
  EXPECT_TRUE(evp_accepts(key, digest, flipped));
  EXPECT_TRUE(table->verify(digest, flipped));
  BN_free(s);
  BN_free(other);
}

// FIPS 186-5 §6.4.2 step 2: r and s outside [1, n − 1] are refused before any arithmetic, among
// them r + n and s + n, which would otherwise reduce to the valid values.
TEST(P256KeyTable, ScalarsOutsideOneToNMinusOneAreRefused) {
  const auto& key = TestKeys::get().ec1;
  auto table = P256KeyTable::build(key.get());
  auto digest = sha256("range");
  auto raw = sign_raw(key, digest);
  BIGNUM* zero = BN_new();
  BN_zero(zero);
  BIGNUM* all_ones = BN_new();
  BN_set_bit(all_ones, 256);
  BN_sub_word(all_ones, 1);
  BIGNUM* n_plus = BN_new();
  for (bool second : {false, true}) {
    BIGNUM* v = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + (second ? 32 : 0), 32, nullptr);
    BN_add(n_plus, v, order());
    for (const BIGNUM* bad : std::vector<const BIGNUM*>{zero, order(), all_ones, n_plus}) {
      if (BN_num_bytes(bad) > 32) continue;  // v + n may not fit in 32 bytes
      auto changed = with_half(raw, second, bad);
      EXPECT_FALSE(table->verify(digest, changed)) << (second ? "s" : "r");
      EXPECT_FALSE(evp_accepts(key, digest, changed)) << (second ? "s" : "r");
    }
    BN_free(v);
  }
  EXPECT_FALSE(table->verify(digest, raw.substr(0, 63))) << "63 bytes";
  EXPECT_FALSE(table->verify(digest.substr(0, 31), raw)) << "a digest that is not SHA-256's length";
  BN_free(zero);
  BN_free(all_ones);
  BN_free(n_plus);
}

// s + n would reduce to s (u1, u2 are taken mod n), so without the range check a valid (r, s)
// with s < 2²⁵⁶ − n would give a second, longer-valued signature. Such an s is rare in a real
// signature (about 2⁻³²), so one is made: with the private key d, a random k, r = x(k·G) and the
// digest e = k − r·d, (r, 1) is valid, and (r, 1 + n) must not be.
TEST(P256KeyTable, SPlusNIsRefusedWhereItWouldReduceToAValidS) {
  const auto& key = TestKeys::get().ec1;
  auto table = P256KeyTable::build(key.get());
  ASSERT_TRUE(table);
  BIGNUM* d = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(key.get(), "priv", &d), 1);
  EC_GROUP* g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM *k = BN_new(), *r = BN_new(), *e = BN_new(), *one = BN_new(), *one_n = BN_new();
  ASSERT_EQ(BN_rand_range(k, order()), 1);
  EC_POINT* kg = EC_POINT_new(g);
  ASSERT_EQ(EC_POINT_mul(g, kg, k, nullptr, nullptr, ctx), 1);
  ASSERT_EQ(EC_POINT_get_affine_coordinates(g, kg, r, nullptr, ctx), 1);
  BN_nnmod(r, r, order(), ctx);
  BN_mod_mul(e, r, d, order(), ctx);
  BN_mod_sub(e, k, e, order(), ctx);
  unsigned char digest_bytes[32];
  ASSERT_EQ(BN_bn2binpad(e, digest_bytes, 32), 32);
  std::string digest(reinterpret_cast<char*>(digest_bytes), 32);
  BN_one(one);
  BN_add(one_n, one, order());
  auto raw = with_half(with_half(std::string(64, '\0'), false, r), true, one);
  EXPECT_TRUE(evp_accepts(key, digest, raw)) << "(r, 1) is a valid signature of e";
  EXPECT_TRUE(table->verify(digest, raw));
  auto longer = with_half(raw, true, one_n);
  EXPECT_FALSE(evp_accepts(key, digest, longer));
  EXPECT_FALSE(table->verify(digest, longer)) << "(r, 1 + n) is not";
  for (BIGNUM* b : {d, k, r, e, one, one_n}) BN_free(b);
  EC_POINT_free(kg);
  BN_CTX_free(ctx);
  EC_GROUP_free(g);
}

// x_R lies in [0, p − 1] and n < p, so an x_R in [n, p − 1] (probability about 2⁻¹²⁸ for a real
// signature) verifies against r = x_R − n (FIPS 186-5 §6.4.2 step 9 reduces x_R mod n). The
// table's check compares in Jacobian coordinates and must try r + n as well as r. Such a
// signature is made by choosing the key: for a point R with x_R ≥ n, any s and digest e,
// Q = r⁻¹·(s·R − e·G) gives u1·G + u2·Q = R.
TEST(P256KeyTable, AnXOfRAboveTheOrderReducesToR) {
  EC_GROUP* g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM *p = BN_new(), *x = BN_new(), *r = BN_new(), *s = BN_new(), *e = BN_new(), *r_inv = BN_new();
  ASSERT_EQ(EC_GROUP_get_curve(g, p, nullptr, nullptr, ctx), 1);
  EC_POINT *big_r = EC_POINT_new(g), *t = EC_POINT_new(g), *eg = EC_POINT_new(g), *q = EC_POINT_new(g);
  // The first x above n that is a point's x (about every second x is).
  BN_copy(x, order());
  do ASSERT_EQ(BN_add_word(x, 1), 1);
  while (EC_POINT_set_compressed_coordinates(g, big_r, x, 0, ctx) != 1);
  ASSERT_LT(BN_cmp(x, p), 0);
  ASSERT_EQ(BN_sub(r, x, order()), 1);
  ASSERT_EQ(BN_rand_range(s, order()), 1);
  const std::string digest = sha256("x_R above n");
  BN_bin2bn(reinterpret_cast<const unsigned char*>(digest.data()), 32, e);
  ASSERT_EQ(EC_POINT_mul(g, t, nullptr, big_r, s, ctx), 1);
  ASSERT_EQ(EC_POINT_mul(g, eg, e, nullptr, nullptr, ctx), 1);
  ASSERT_EQ(EC_POINT_invert(g, eg, ctx), 1);
  ASSERT_EQ(EC_POINT_add(g, t, t, eg, ctx), 1);
  ASSERT_TRUE(BN_mod_inverse(r_inv, r, order(), ctx));
  ASSERT_EQ(EC_POINT_mul(g, q, nullptr, t, r_inv, ctx), 1);
  unsigned char pub[65];
  const std::size_t pub_len = EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub, ctx);
  ASSERT_EQ(pub_len, sizeof pub);
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("group", const_cast<char*>("prime256v1"), 0),
                         OSSL_PARAM_construct_octet_string("pub", pub, pub_len), OSSL_PARAM_construct_end()};
  EVP_PKEY_CTX* from = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  ASSERT_EQ(EVP_PKEY_fromdata_init(from), 1);
  ASSERT_EQ(EVP_PKEY_fromdata(from, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
  auto table = P256KeyTable::build(key);
  ASSERT_TRUE(table);

  const auto raw = with_half(with_half(std::string(64, '\0'), false, r), true, s);
  EXPECT_TRUE(evp_accepts(key, digest, raw)) << "OpenSSL: (x_R − n, s) is valid";
  EXPECT_TRUE(table->verify(digest, raw));
  BIGNUM* r_next = BN_dup(r);
  BN_add_word(r_next, 1);
  const auto off_by_one = with_half(raw, false, r_next);
  EXPECT_FALSE(evp_accepts(key, digest, off_by_one));
  EXPECT_FALSE(table->verify(digest, off_by_one));
  EXPECT_FALSE(table->verify(digest, with_half(raw, false, x))) << "r = x_R itself is not below n";

  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(from);
  for (EC_POINT* pt : {big_r, t, eg, q}) EC_POINT_free(pt);
  for (BIGNUM* b : {p, x, r, s, e, r_inv, r_next}) BN_free(b);
  BN_CTX_free(ctx);
  EC_GROUP_free(g);
}

TEST(P256KeyTable, OnlyP256PublicKeysGetATable) {
  EXPECT_FALSE(P256KeyTable::build(TestKeys::get().ec384.get()));
  EXPECT_FALSE(P256KeyTable::build(TestKeys::get().rs1.get()));
  EXPECT_FALSE(P256KeyTable::build(TestKeys::get().ed1.get()));
  EXPECT_FALSE(P256KeyTable::build(nullptr));
}

// Built once, by the first caller; callers that come while it is built are told to use EVP
// (null), and after it every caller gets the one table.
TEST(P256KeyTable, LazyTableIsBuiltOnceAndSharedByThreads) {
  auto key = TestKeys::get().ec2;
  LazyP256Table lazy(std::shared_ptr<EVP_PKEY>(key.get(), [key](EVP_PKEY*) {}));
  std::vector<const P256KeyTable*> seen(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) threads.emplace_back([&, i] { seen[i] = lazy.get(); });
  for (auto& t : threads) t.join();
  const P256KeyTable* table = lazy.get();
  ASSERT_TRUE(table);
  for (auto* s : seen) EXPECT_TRUE(s == nullptr || s == table);
  // One table, verifying from several threads at once (the verification pool's).
  std::vector<std::pair<std::string, std::string>> signed_digests;
  for (int i = 0; i < 40; ++i) {
    auto digest = sha256("shared " + std::to_string(i));
    signed_digests.emplace_back(digest, sign_raw(key, digest));
  }
  std::atomic<int> accepted{0}, refused{0};
  threads.clear();
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (auto& [digest, raw] : signed_digests) {
        if (table->verify(digest, raw)) ++accepted;
        if (!table->verify(sha256(digest), raw)) ++refused;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 4 * 40);
  EXPECT_EQ(refused.load(), 4 * 40);
}

// A token without a kid is tried with every compatible key of a set (up to 64): tables are built
// for at most 16 keys at once, the others verify through EVP, and a table freed makes room.
TEST(P256KeyTable, AtMostSixteenTablesAreAlive) {
  auto key = TestKeys::get().ec2;
  std::shared_ptr<EVP_PKEY> pkey(key.get(), [key](EVP_PKEY*) {});
  std::vector<std::unique_ptr<LazyP256Table>> lazies;
  int built = 0;
  for (int i = 0; i < 20; ++i) {
    lazies.push_back(std::make_unique<LazyP256Table>(pkey));
    built += lazies.back()->get() != nullptr;
  }
  EXPECT_LE(built, 16);
  EXPECT_GE(built, 10) << "no other test holds more than a few";
  EXPECT_FALSE(lazies.back()->get()) << "past the cap: EVP";
  lazies.clear();
  LazyP256Table again(pkey);
  EXPECT_TRUE(again.get()) << "freed tables make room";
}

// Through the verifier a token meets: an ES256 key read from a JWK verifies from its table, with
// OpenSSL's verdicts (RFC 7518 §3.4).
TEST(P256KeyTable, JwkVerificationUsesTheTableWithTheSameVerdicts) {
  const auto& key = TestKeys::get().ec1;
  auto jwk = parse_jwk(*key.public_jwk("k", Algorithm::ES256));
  ASSERT_TRUE(jwk);
  ASSERT_TRUE(jwk->p256);
  std::string input = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9";
  auto raw = sign_raw(key, sha256(input));
  EXPECT_TRUE(default_verifier().verify(Algorithm::ES256, *jwk, input, raw));
  EXPECT_TRUE(jwk->p256->get()) << "the table was built by the first verification";
  EXPECT_TRUE(default_verifier().verify(Algorithm::ES256, *jwk, input, raw));
  EXPECT_FALSE(default_verifier().verify(Algorithm::ES256, *jwk, input + "x", raw));
  auto other = raw;
  other[5] = static_cast<char>(other[5] ^ 1);
  EXPECT_FALSE(default_verifier().verify(Algorithm::ES256, *jwk, input, other));
}

}  // namespace
}  // namespace mcpgate::oauth
