#pragma once
// ECDSA P-256 verification (FIPS 186-5 §6.4.2) for one public key Q, with a table of Q's
// multiples built once, so that u2·Q costs what u1·G costs.
//
// Why: a verification is u1·G + u2·Q. OpenSSL multiplies G, which is fixed, from a precomputed
// table, and Q, which it sees for the first time on every call, by a windowed method about five
// times slower; that multiplication is most of an ES256 verification, and a new token is one
// verification. A resource server verifies with a handful of keys for hours, so a table per key
// (about 150 KiB, tens of milliseconds to build) turns each new token's verification from the
// generic cost into two fixed-base multiplications. The table is OpenSSL's own (a group whose
// generator is Q, EC_GROUP_precompute_mult); only the verification equation is written here, and
// every verification it accepts or refuses is checked against EVP_PKEY_verify by a unit test and a
// fuzz target (fuzz_p256_verify).
#include <atomic>
#include <memory>
#include <string_view>

#include "oauth/mod_inverse.hpp"

typedef struct bignum_st BIGNUM;
typedef struct evp_pkey_st EVP_PKEY;
typedef struct ec_group_st EC_GROUP;
typedef struct ec_point_st EC_POINT;

namespace mcpgate::oauth {

class P256KeyTable {
 public:
  // Null when `key` is not a P-256 public key or OpenSSL cannot build the table (the caller then
  // verifies through EVP as before).
  static std::unique_ptr<P256KeyTable> build(EVP_PKEY* key);
  ~P256KeyTable();
  P256KeyTable(const P256KeyTable&) = delete;
  P256KeyTable& operator=(const P256KeyTable&) = delete;

  // `digest`: SHA-256 of the signing input (32 bytes); `raw_sig`: r‖s, 32 bytes each (JWS,
  // RFC 7518 §3.4). True only for a valid signature. Safe from several threads at once.
  [[nodiscard]] bool verify(std::string_view digest, std::string_view raw_sig) const;

 private:
  P256KeyTable() = default;
  EC_GROUP* curve_ = nullptr;  // P-256 with G: u1·G from OpenSSL's built-in table
  EC_GROUP* keyed_ = nullptr;  // P-256 with Q as its generator: u2·Q from the table built here
  BIGNUM* field_ = nullptr;    // p, the field's prime
  U256 order_words_{};         // n, the group's order, in words for the inversion
};

// The table of one key, built by the first verification that wants it (on the verification
// pool, not where keys are read, which may be a serving thread); verifications that come while
// it is being built go through EVP meanwhile, and so do all of a key's once 16 tables are alive.
class LazyP256Table {
 public:
  explicit LazyP256Table(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  ~LazyP256Table();
  // The table when it is ready; builds it if nobody has started to. Null when it is being built
  // by another thread or could not be built.
  const P256KeyTable* get() const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  mutable std::atomic<int> state_{0};      // 0 not built, 1 being built, 2 ready, 3 failed
  mutable P256KeyTable* table_ = nullptr;  // owned; written once before state_ becomes 2
};

}  // namespace mcpgate::oauth
