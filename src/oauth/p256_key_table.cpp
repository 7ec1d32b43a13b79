#include "oauth/p256_key_table.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <array>

#include "oauth/mod_inverse.hpp"

namespace mcpgate::oauth {
namespace {

struct BnCtx {
  BN_CTX* ctx = BN_CTX_new();
  BnCtx() {
    if (ctx) BN_CTX_start(ctx);
  }
  ~BnCtx() {
    if (ctx) {
      BN_CTX_end(ctx);
      BN_CTX_free(ctx);
    }
  }
};
struct Point {
  EC_POINT* p;
  explicit Point(const EC_GROUP* g) : p(EC_POINT_new(g)) {}
  ~Point() { EC_POINT_free(p); }
};

constexpr std::size_t kScalarBytes = 32;

// EC_GROUP_precompute_mult is deprecated in OpenSSL 3.0 (with the rest of the EC_KEY-era
// interface) but present in the 3.x series; it is the only way to give OpenSSL a table for a point
// other than G. Where it fails, there is no table and verification goes through EVP.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
bool precompute_generator_multiples(EC_GROUP* group, BN_CTX* ctx) {
  return EC_GROUP_precompute_mult(group, ctx) == 1;
}
// The same holds for a point's Jacobian coordinates (X, Y, Z), x = X/Z², y = Y/Z³, which is how
// OpenSSL holds the points it computes: reading them spares the inversion that affine
// coordinates cost.
bool jacobian_coordinates(const EC_GROUP* group, const EC_POINT* point, BIGNUM* x, BIGNUM* z, BN_CTX* ctx) {
  return EC_POINT_get_Jprojective_coordinates_GFp(group, point, x, nullptr, z, ctx) == 1;
}
#pragma GCC diagnostic pop

// w = s⁻¹ mod n. In 64-bit words (oauth/mod_inverse) a fifth of BN_mod_inverse's cost; the
// result is checked by one multiplication through OpenSSL, and BN_mod_inverse decides if they
// ever disagree, so that this is only ever a question of speed.
bool invert_scalar(BIGNUM* w, const BIGNUM* s, const unsigned char* s_bytes, const U256& n_words, const BIGNUM* n,
                   BN_CTX* ctx) {
  if (auto inverse = inverse_mod_odd(u256_from_big_endian(s_bytes), n_words)) {
    std::array<unsigned char, kScalarBytes> bytes{};
    u256_to_big_endian(*inverse, bytes.data());
    BIGNUM* check = BN_CTX_get(ctx);
    if (check && BN_bin2bn(bytes.data(), kScalarBytes, w) && BN_mod_mul(check, w, s, n, ctx) && BN_is_one(check))
      return true;
  }
  return BN_mod_inverse(w, s, n, ctx) != nullptr;
}

}  // namespace

std::unique_ptr<P256KeyTable> P256KeyTable::build(EVP_PKEY* key) {
  if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return nullptr;
  char curve_name[32] = {};
  std::size_t name_len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve_name, sizeof curve_name, &name_len) != 1 ||
      std::string_view(curve_name, name_len) != "prime256v1")
    return nullptr;
  std::array<unsigned char, 1 + 2 * kScalarBytes> encoded{};
  std::size_t encoded_len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, encoded.data(), encoded.size(), &encoded_len) != 1)
    return nullptr;
  std::unique_ptr<P256KeyTable> t(new P256KeyTable());
  t->curve_ = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  t->keyed_ = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  BnCtx bn;
  if (!t->curve_ || !t->keyed_ || !bn.ctx) return nullptr;
  Point q(t->curve_);
  // oct2point checks that the point is on the curve; the key was checked when it was read too.
  if (!q.p || EC_POINT_oct2point(t->curve_, q.p, encoded.data(), encoded_len, bn.ctx) != 1 ||
      EC_POINT_is_at_infinity(t->curve_, q.p) || EC_POINT_is_on_curve(t->curve_, q.p, bn.ctx) != 1)
    return nullptr;
  // P-256 has prime order n and cofactor 1: every point but infinity generates the whole group.
  if (EC_GROUP_set_generator(t->keyed_, q.p, EC_GROUP_get0_order(t->curve_), BN_value_one()) != 1 ||
      !precompute_generator_multiples(t->keyed_, bn.ctx))
    return nullptr;
  t->field_ = BN_new();
  if (!t->field_ || EC_GROUP_get_curve(t->curve_, t->field_, nullptr, nullptr, bn.ctx) != 1) return nullptr;
  std::array<unsigned char, kScalarBytes> order{};
  if (BN_bn2binpad(EC_GROUP_get0_order(t->curve_), order.data(), kScalarBytes) != kScalarBytes) return nullptr;
  t->order_words_ = u256_from_big_endian(order.data());
  return t;
}

P256KeyTable::~P256KeyTable() {
  EC_GROUP_free(curve_);
  EC_GROUP_free(keyed_);
  BN_free(field_);
}

bool P256KeyTable::verify(std::string_view digest, std::string_view raw_sig) const {
  if (digest.size() != kScalarBytes || raw_sig.size() != 2 * kScalarBytes) return false;
  BnCtx bn;
  if (!bn.ctx) return false;
  BIGNUM* r = BN_CTX_get(bn.ctx);
  BIGNUM* s = BN_CTX_get(bn.ctx);
  BIGNUM* e = BN_CTX_get(bn.ctx);
  BIGNUM* w = BN_CTX_get(bn.ctx);
  BIGNUM* u1 = BN_CTX_get(bn.ctx);
  BIGNUM* u2 = BN_CTX_get(bn.ctx);
  BIGNUM* x = BN_CTX_get(bn.ctx);
  BIGNUM* z = BN_CTX_get(bn.ctx);
  BIGNUM* z2 = BN_CTX_get(bn.ctx);
  BIGNUM* candidate = BN_CTX_get(bn.ctx);
  if (!candidate) return false;
  auto bytes = [](std::string_view v) { return reinterpret_cast<const unsigned char*>(v.data()); };
  const BIGNUM* n = EC_GROUP_get0_order(curve_);
  if (!BN_bin2bn(bytes(raw_sig), kScalarBytes, r) || !BN_bin2bn(bytes(raw_sig) + kScalarBytes, kScalarBytes, s))
    return false;
  // 1 ≤ r, s ≤ n − 1 (FIPS 186-5 §6.4.2 step 2); r‖s as 64 bytes cannot be negative.
  if (BN_is_zero(r) || BN_is_zero(s) || BN_cmp(r, n) >= 0 || BN_cmp(s, n) >= 0) return false;
  // e: the digest's leftmost 256 bits, which are all of SHA-256 (steps 3–4; e ≥ n is reduced
  // in the products below).
  if (!BN_bin2bn(bytes(digest), kScalarBytes, e)) return false;
  // w = s⁻¹, u1 = e·w, u2 = r·w (mod n) (steps 5–6).
  if (!invert_scalar(w, s, bytes(raw_sig) + kScalarBytes, order_words_, n, bn.ctx) ||
      !BN_mod_mul(u1, e, w, n, bn.ctx) || !BN_mod_mul(u2, r, w, n, bn.ctx))
    return false;
  // R = u1·G + u2·Q, each from its table (step 7); the point at infinity is no signature.
  Point p1(curve_), p2(curve_);
  if (!p1.p || !p2.p || EC_POINT_mul(curve_, p1.p, u1, nullptr, nullptr, bn.ctx) != 1 ||
      EC_POINT_mul(keyed_, p2.p, u2, nullptr, nullptr, bn.ctx) != 1 ||
      EC_POINT_add(curve_, p1.p, p1.p, p2.p, bn.ctx) != 1 || EC_POINT_is_at_infinity(curve_, p1.p))
    return false;
  // Valid when x_R mod n = r (steps 8–10). x_R = X/Z² is below p, and n < p < 2n, so x_R mod n
  // = r means x_R = r or x_R = r + n: X = r·Z² or X = (r + n)·Z² (mod p), with no inversion.
  if (!jacobian_coordinates(curve_, p1.p, x, z, bn.ctx) || BN_is_zero(z) || !BN_mod_sqr(z2, z, field_, bn.ctx) ||
      !BN_mod_mul(candidate, r, z2, field_, bn.ctx))
    return false;
  if (BN_cmp(candidate, x) == 0) return true;
  if (!BN_add(candidate, r, n) || BN_cmp(candidate, field_) >= 0) return false;
  return BN_mod_mul(candidate, candidate, z2, field_, bn.ctx) && BN_cmp(candidate, x) == 0;
}

namespace {
// Tables alive in the process. A key set may hold 64 keys and a token without a kid is tried with
// each: tables for all of them would be about 10 MiB and seconds of building. A deployment signs
// with a few keys; past this many, the others verify through EVP.
constexpr int kMaxTables = 16;
std::atomic<int> live_tables{0};
}  // namespace

LazyP256Table::~LazyP256Table() {
  if (table_) live_tables.fetch_sub(1, std::memory_order_relaxed);
  delete table_;
}

const P256KeyTable* LazyP256Table::get() const {
  int state = state_.load(std::memory_order_acquire);
  if (state == 2) return table_;
  int expected = 0;
  if (state != 0 || !state_.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) return nullptr;
  if (live_tables.fetch_add(1, std::memory_order_relaxed) >= kMaxTables) {
    live_tables.fetch_sub(1, std::memory_order_relaxed);
    state_.store(3, std::memory_order_release);
    return nullptr;
  }
  table_ = P256KeyTable::build(key_.get()).release();
  if (!table_) live_tables.fetch_sub(1, std::memory_order_relaxed);
  state_.store(table_ ? 2 : 3, std::memory_order_release);
  return table_;
}

}  // namespace mcpgate::oauth
