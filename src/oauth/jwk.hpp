#pragma once
// One JSON Web Key (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2) turned into an OpenSSL public key.
// Only verification keys are built: a JWK that carries private members is refused, because a
// key set that publishes them lets anyone sign.
#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/secret.hpp"
#include "oauth/algorithm.hpp"

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_pkey_ctx_st EVP_PKEY_CTX;

namespace mcpgate::oauth {

class LazyP256Table;  // oauth/p256_key_table.hpp

enum class KeyType { rsa, ec, okp, oct };
enum class Curve { none, p256, p384, p521, ed25519 };

struct JwkOptions {
  // Symmetric ("oct") keys only where the operator configured a shared secret on purpose; never
  // from a fetched key set, where it would let the publisher (or a MITM) mint tokens.
  bool allow_symmetric = false;
  int min_rsa_bits = 2048;
};

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* p) const;
};
using PublicKey = std::shared_ptr<EVP_PKEY>;
// An EVP_PKEY_CTX initialised for verification (EVP_PKEY_verify_init) once, when the key is
// read: each verification works on a copy of it (EVP_PKEY_CTX_dup), which skips the provider
// lookups EVP_DigestVerifyInit makes per call (about 2.5 µs of a 58 µs ES256 verification).
using VerifyContext = std::shared_ptr<EVP_PKEY_CTX>;

struct Jwk {
  std::optional<std::string> kid;
  KeyType kty = KeyType::rsa;
  Curve crv = Curve::none;
  std::optional<Algorithm> alg;         // the JWK's own "alg", when present
  bool for_signature = true;            // false when "use" or "key_ops" exclude verification
  PublicKey key;                        // asymmetric keys
  VerifyContext verify_ctx;             // EC keys read by parse_jwk (prepare_verification); may be empty
  std::shared_ptr<LazyP256Table> p256;  // P-256 keys read by parse_jwk: ES256 from tables
  Secret secret;                        // oct keys
  int bits = 0;

  // Whether a token signed with `a` may be verified by this key: key type and curve must match
  // the algorithm (the "alg confusion" attack, RFC 8725 §2.1/§3.1), and the JWK's own alg, use
  // and key_ops must allow it (RFC 7517 §4.2–4.4).
  bool compatible_with(Algorithm a) const;
};

// Fills `verify_ctx` for an EC key (a no-op for the others, or when OpenSSL refuses: the
// verifier then initialises a context per call, as before), and `p256` for a P-256 key.
void prepare_verification(Jwk& key);

[[nodiscard]] Result<Jwk> parse_jwk(const boost::json::object& jwk, const JwkOptions& options = {});

// A shared secret configured by the operator for HS256/384/512.
Jwk symmetric_key(Secret secret, std::optional<std::string> kid = std::nullopt);

// The public half of `key` as a JWK JSON object (for the embedded AS's JWKS and for tests).
[[nodiscard]] Result<boost::json::object> public_jwk(EVP_PKEY* key, std::optional<std::string> kid = std::nullopt,
                                                     std::optional<Algorithm> alg = std::nullopt);

}  // namespace mcpgate::oauth
