// ES256 verification from a key's tables (oauth/p256_key_table) against OpenSSL's own verifier,
// for one fixed key: both must give the same verdict on every input; and the inverse it computes
// in words, against BN_mod_inverse.
//
// Input of exactly 96 bytes: a SHA-256 digest (32) and r‖s (64), judged as they are; the seeds
// include valid signatures, so mutations near them reach the arithmetic. Any other input is a
// message: it is signed with the fixed key, both must accept that signature, and then a bit chosen
// by the message is flipped in the signature or the digest and both must agree again.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "oauth/mod_inverse.hpp"
#include "oauth/p256_key_table.hpp"
#include "oauth/signature.hpp"

namespace {

// The fixed key: private scalar d = 0x0123…ef (any value in [1, n − 1] does), Q = d·G.
EVP_PKEY* fixed_key() {
  static EVP_PKEY* key = [] {
    EC_GROUP* g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM* d = nullptr;
    BN_hex2bn(&d, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    EC_POINT* q = EC_POINT_new(g);
    EC_POINT_mul(g, q, d, nullptr, nullptr, nullptr);
    unsigned char pub[65];
    std::size_t pub_len = EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub, nullptr);
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, pub_len);
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EVP_PKEY* k = nullptr;
    if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR, params) != 1) std::abort();
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EC_POINT_free(q);
    BN_free(d);
    EC_GROUP_free(g);
    return k;
  }();
  return key;
}

const mcpgate::oauth::P256KeyTable& table() {
  static const auto t = mcpgate::oauth::P256KeyTable::build(fixed_key());
  if (!t) std::abort();
  return *t;
}

bool evp_accepts(const std::string& digest, const std::string& raw) {
  auto der = mcpgate::oauth::ecdsa_raw_to_der(raw);
  if (!der) return false;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, fixed_key(), nullptr);
  bool ok = EVP_PKEY_verify_init(ctx) == 1 &&
            EVP_PKEY_verify(ctx, reinterpret_cast<const unsigned char*>(der->data()), der->size(),
                            reinterpret_cast<const unsigned char*>(digest.data()), digest.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

// The inversion the verification does in words (oauth/mod_inverse), against BN_mod_inverse, for
// r and s read as scalars: the verification checks its result and would hide a wrong one.
void inverses_agree(const std::string& raw) {
  static EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  static BN_CTX* ctx = BN_CTX_new();
  const BIGNUM* n = EC_GROUP_get0_order(group);
  unsigned char n_bytes[32];
  BN_bn2binpad(n, n_bytes, 32);
  BIGNUM* a = BN_new();
  BIGNUM* expected = BN_new();
  for (std::size_t half = 0; half + 32 <= raw.size() && half <= 32; half += 32) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data()) + half;
    BN_bin2bn(bytes, 32, a);
    auto ours = mcpgate::oauth::inverse_mod_odd(mcpgate::oauth::u256_from_big_endian(bytes),
                                                mcpgate::oauth::u256_from_big_endian(n_bytes));
    const bool invertible = !BN_is_zero(a) && BN_cmp(a, n) < 0;
    if (ours.has_value() != invertible) std::abort();
    if (!ours) continue;
    unsigned char got[32], want[32];
    mcpgate::oauth::u256_to_big_endian(*ours, got);
    if (!BN_mod_inverse(expected, a, n, ctx) || BN_bn2binpad(expected, want, 32) != 32 ||
        std::memcmp(got, want, 32) != 0)
      std::abort();
  }
  BN_free(a);
  BN_free(expected);
}

bool agree(const std::string& digest, const std::string& raw) {
  inverses_agree(raw);
  bool ours = table().verify(digest, raw);
  if (ours != evp_accepts(digest, raw)) std::abort();  // a verdict OpenSSL does not share
  return ours;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  if (size == 96) {
    agree(in.substr(0, 32), in.substr(32));
    return 0;
  }
  unsigned char md[32];
  unsigned md_len = 0;
  EVP_Digest(in.data(), in.size(), md, &md_len, EVP_sha256(), nullptr);
  std::string digest(reinterpret_cast<char*>(md), md_len);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, fixed_key(), nullptr);
  unsigned char der[80];
  std::size_t der_len = sizeof der;
  if (EVP_PKEY_sign_init(ctx) != 1 || EVP_PKEY_sign(ctx, der, &der_len, md, md_len) != 1) std::abort();
  EVP_PKEY_CTX_free(ctx);
  auto raw = mcpgate::oauth::ecdsa_der_to_raw(std::string_view(reinterpret_cast<char*>(der), der_len), 32);
  if (!raw || !agree(digest, *raw)) std::abort();  // a valid signature refused
  // One bit, chosen by the message, of r‖s (0–511) or of the digest (512–767).
  unsigned bit = (static_cast<unsigned>(md[0]) << 8 | md[1]) % 768;
  if (bit < 512) {
    (*raw)[bit / 8] = static_cast<char>((*raw)[bit / 8] ^ (1 << (bit % 8)));
  } else {
    bit -= 512;
    digest[bit / 8] = static_cast<char>(digest[bit / 8] ^ (1 << (bit % 8)));
  }
  if (agree(digest, *raw)) std::abort();  // a changed signature accepted
  return 0;
}
