// The variable-time inverse (oauth/mod_inverse) against OpenSSL's BN_mod_inverse, modulo P-256's
// order n (what verification inverts: a signature's s) and its field prime p, and on the edges of
// the algorithm: the smallest and largest inputs, long runs of zero bits, inputs that share a
// factor with the modulus.
#include "oauth/mod_inverse.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <vector>

namespace mcpgate::oauth {
namespace {

U256 words(const BIGNUM* b) {
  unsigned char bytes[32];
  EXPECT_EQ(BN_bn2binpad(b, bytes, 32), 32);
  return u256_from_big_endian(bytes);
}

struct Moduli {
  EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  BIGNUM* p = BN_new();
  Moduli() { EC_GROUP_get_curve(group, p, nullptr, nullptr, nullptr); }
  ~Moduli() {
    BN_free(p);
    EC_GROUP_free(group);
  }
  const BIGNUM* n() const { return EC_GROUP_get0_order(group); }
};

// Inputs: random values below m, and the ones a binary GCD treats specially.
std::vector<BIGNUM*> inputs(const BIGNUM* m) {
  std::vector<BIGNUM*> out;
  for (int shift = 0; shift < 256; shift += 5) {  // 2^shift: runs of zeros, the 64-bit word edges
    BIGNUM* b = BN_new();
    BN_set_bit(b, shift);
    if (BN_cmp(b, m) < 0)
      out.push_back(b);
    else
      BN_free(b);
  }
  for (unsigned long below = 1; below <= 3; ++below) {  // m − 1, m − 2, m − 3
    BIGNUM* b = BN_dup(m);
    BN_sub_word(b, below);
    out.push_back(b);
  }
  for (int i = 0; i < 3000; ++i) {
    BIGNUM* b = BN_new();
    do BN_rand_range(b, m);
    while (BN_is_zero(b));
    out.push_back(b);
  }
  return out;
}

void expect_same_as_openssl(const BIGNUM* m) {
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM* expected = BN_new();
  const U256 modulus = words(m);
  int compared = 0;
  for (BIGNUM* a : inputs(m)) {
    ASSERT_TRUE(BN_mod_inverse(expected, a, m, ctx));
    auto ours = inverse_mod_odd(words(a), modulus);
    ASSERT_TRUE(ours) << BN_bn2hex(a);
    EXPECT_EQ(*ours, words(expected)) << BN_bn2hex(a);
    ++compared;
    BN_free(a);
  }
  EXPECT_GT(compared, 3000);
  BN_free(expected);
  BN_CTX_free(ctx);
}

TEST(ModInverse, AgreesWithOpenSslModuloTheP256Order) {
  Moduli m;
  expect_same_as_openssl(m.n());
}

TEST(ModInverse, AgreesWithOpenSslModuloTheP256FieldPrime) {
  Moduli m;
  expect_same_as_openssl(m.p);
}

TEST(ModInverse, RefusesZeroTheModulusAndAboveIt) {
  Moduli m;
  const U256 n = words(m.n());
  EXPECT_FALSE(inverse_mod_odd(U256{}, n));
  EXPECT_FALSE(inverse_mod_odd(n, n));
  U256 above = n;
  above[0] += 1;
  EXPECT_FALSE(inverse_mod_odd(above, n));
  EXPECT_FALSE(inverse_mod_odd(U256{~0ULL, ~0ULL, ~0ULL, ~0ULL}, n));
}

TEST(ModInverse, SmallModuliAndNoInverseWhereAFactorIsShared) {
  const U256 fifteen{15, 0, 0, 0};
  for (std::uint64_t a = 1; a < 15; ++a) {
    auto inv = inverse_mod_odd(U256{a, 0, 0, 0}, fifteen);
    if (a % 3 == 0 || a % 5 == 0) {
      EXPECT_FALSE(inv) << a;
    } else {
      ASSERT_TRUE(inv) << a;
      EXPECT_EQ(((*inv)[0] * a) % 15, 1u) << a;
    }
  }
  EXPECT_FALSE(inverse_mod_odd(U256{1, 0, 0, 0}, U256{16, 0, 0, 0})) << "an even modulus";
  EXPECT_EQ(*inverse_mod_odd(U256{1, 0, 0, 0}, U256{3, 0, 0, 0}), (U256{1, 0, 0, 0}));
}

TEST(ModInverse, BigEndianBytesRoundTrip) {
  unsigned char in[32], out[32];
  for (int i = 0; i < 32; ++i) in[i] = static_cast<unsigned char>(i + 1);
  const U256 v = u256_from_big_endian(in);
  EXPECT_EQ(v[3], 0x0102030405060708ULL);
  EXPECT_EQ(v[0], 0x191a1b1c1d1e1f20ULL);
  u256_to_big_endian(v, out);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(in), 32), std::string(reinterpret_cast<char*>(out), 32));
}

}  // namespace
}  // namespace mcpgate::oauth
