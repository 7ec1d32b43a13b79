#include "oauth/signature.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <memory>

#include "core/secret.hpp"
#include "oauth/p256_key_table.hpp"

namespace mcpgate::oauth {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

// Fetched from the provider once: handing OpenSSL 3 the legacy EVP_sha256() makes every
// EVP_DigestVerifyInit fetch the implementation again (a lookup under a lock, per new token).
const EVP_MD* digest(Algorithm a) {
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  static EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  switch (a) {
    case Algorithm::RS256:
    case Algorithm::PS256:
    case Algorithm::ES256:
    case Algorithm::HS256:
      return sha256 ? sha256 : EVP_sha256();
    case Algorithm::RS384:
    case Algorithm::PS384:
    case Algorithm::ES384:
    case Algorithm::HS384:
      return sha384 ? sha384 : EVP_sha384();
    case Algorithm::RS512:
    case Algorithm::PS512:
    case Algorithm::ES512:
    case Algorithm::HS512:
      return sha512 ? sha512 : EVP_sha512();
    case Algorithm::EdDSA:
      return nullptr;
  }
  return nullptr;
}

std::size_t ecdsa_field_bytes(Algorithm a) {
  return a == Algorithm::ES256 ? 32 : a == Algorithm::ES384 ? 48 : 66;
}

[[nodiscard]] AuthResult<void> evp_verify(Algorithm alg, EVP_PKEY* key, std::string_view input, std::string_view sig) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, digest(alg), nullptr, key) != 1)
    return reject(AuthError::bad_signature);
  if (family(alg) == AlgorithmFamily::rsa_pss) {
    // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, digest(alg)) != 1)
      return reject(AuthError::bad_signature);
  } else if (family(alg) == AlgorithmFamily::rsa_pkcs1) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) return reject(AuthError::bad_signature);
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                            reinterpret_cast<const unsigned char*>(input.data()), input.size());
  if (rc != 1) return reject(AuthError::bad_signature);
  return {};
}

// The hash of the signing input, for the verifications that are handed a digest.
struct InputDigest {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  bool ok = false;
  InputDigest(Algorithm alg, std::string_view input)
      : ok(EVP_Digest(input.data(), input.size(), md, &len, digest(alg), nullptr) == 1) {}
  std::string_view view() const { return {reinterpret_cast<const char*>(md), len}; }
};

// ECDSA through the key's prepared context (Jwk::verify_ctx): the signature on a copy of the
// context, so that threads verifying with one key share nothing mutable.
[[nodiscard]] AuthResult<void> prepared_verify(Algorithm alg, EVP_PKEY_CTX* prepared, std::string_view input,
                                               std::string_view der) {
  InputDigest d(alg, input);
  if (!d.ok) return reject(AuthError::bad_signature);
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_dup(prepared));
  if (!ctx ||
      EVP_PKEY_verify(ctx.get(), reinterpret_cast<const unsigned char*>(der.data()), der.size(), d.md, d.len) != 1)
    return reject(AuthError::bad_signature);
  return {};
}

// ES256 with the key's tables (oauth/p256_key_table.hpp): r‖s as the token carries it, no DER.
[[nodiscard]] AuthResult<void> table_verify(const P256KeyTable& table, std::string_view input, std::string_view sig) {
  InputDigest d(Algorithm::ES256, input);
  if (!d.ok || !table.verify(d.view(), sig)) return reject(AuthError::bad_signature);
  return {};
}

}  // namespace

std::optional<std::string> ecdsa_raw_to_der(std::string_view raw) {
  // ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3), in DER: each
  // integer minimal (leading zero bytes dropped) and positive (a zero byte before a high bit).
  // Written by hand: going through BIGNUMs and i2d cost four allocations per new token.
  if (raw.empty() || raw.size() % 2 || raw.size() > 2 * 66) return std::nullopt;
  std::size_t half = raw.size() / 2;
  auto integer = [](std::string_view v, std::string& out) {
    std::size_t skip = 0;
    while (skip + 1 < v.size() && v[skip] == 0) ++skip;
    v.remove_prefix(skip);
    bool pad = static_cast<unsigned char>(v.front()) & 0x80;
    out += '\x02';
    out += static_cast<char>(v.size() + (pad ? 1 : 0));
    if (pad) out += '\0';
    out.append(v);
  };
  std::string body;
  body.reserve(raw.size() + 6);
  integer(raw.substr(0, half), body);
  integer(raw.substr(half), body);
  std::string der;
  der.reserve(body.size() + 3);
  der += '\x30';
  if (body.size() >= 0x80) der += '\x81';  // at most 2 * (2 + 67) bytes: one length byte
  der += static_cast<char>(body.size());
  der += body;
  return der;
}

std::optional<std::string> ecdsa_der_to_raw(std::string_view der, std::size_t field_bytes) {
  auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, long(der.size())));
  if (!sig) return std::nullopt;
  std::string raw(2 * field_bytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, int(field_bytes)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + field_bytes, int(field_bytes)) < 0)
    return std::nullopt;
  return raw;
}

AuthResult<void> OpenSslVerifier::verify(Algorithm alg, const Jwk& key, std::string_view input,
                                         std::string_view sig) const {
  // The alg-confusion guard: the key decides what it can verify, not the token (RFC 8725 §3.1).
  if (!key.compatible_with(alg)) return reject(AuthError::bad_signature);
  switch (family(alg)) {
    case AlgorithmFamily::hmac: {
      unsigned char mac[EVP_MAX_MD_SIZE];
      unsigned int len = 0;
      auto secret = key.secret.reveal();
      if (!HMAC(digest(alg), secret.data(), int(secret.size()), reinterpret_cast<const unsigned char*>(input.data()),
                input.size(), mac, &len))
        return reject(AuthError::bad_signature);
      if (!constant_time_equal(std::string_view(reinterpret_cast<const char*>(mac), len), sig))
        return reject(AuthError::bad_signature);
      return {};
    }
    case AlgorithmFamily::ecdsa: {
      if (sig.size() != 2 * ecdsa_field_bytes(alg)) return reject(AuthError::bad_signature);
      if (alg == Algorithm::ES256 && key.p256)
        if (const auto* table = key.p256->get()) return table_verify(*table, input, sig);
      auto der = ecdsa_raw_to_der(sig);
      if (!der) return reject(AuthError::bad_signature);
      if (key.verify_ctx) return prepared_verify(alg, key.verify_ctx.get(), input, *der);
      return evp_verify(alg, key.key.get(), input, *der);
    }
    case AlgorithmFamily::rsa_pkcs1:
    case AlgorithmFamily::rsa_pss:
      if (sig.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key.key.get())))
        return reject(AuthError::bad_signature);
      return evp_verify(alg, key.key.get(), input, sig);
    case AlgorithmFamily::eddsa:
      if (sig.size() != 64) return reject(AuthError::bad_signature);
      return evp_verify(alg, key.key.get(), input, sig);
  }
  return reject(AuthError::bad_signature);
}

const SignatureVerifier& default_verifier() {
  static const OpenSslVerifier v;
  return v;
}

}  // namespace mcpgate::oauth
