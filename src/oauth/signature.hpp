#pragma once
// JWS signature verification (RFC 7515 §5.2, RFC 7518 §3, RFC 8037 §3.1) with OpenSSL EVP.
#include <string_view>

#include "oauth/algorithm.hpp"
#include "oauth/auth_error.hpp"
#include "oauth/jwk.hpp"

namespace mcpgate::oauth {

// The seam a validator verifies through, so tests can count verifications (a cached token must
// cost none).
class SignatureVerifier {
 public:
  virtual ~SignatureVerifier() = default;
  // bad_signature on any failure, including a key whose type or curve does not fit `alg`.
  [[nodiscard]] virtual AuthResult<void> verify(Algorithm alg, const Jwk& key, std::string_view signing_input,
                                                std::string_view signature) const = 0;
};

class OpenSslVerifier final : public SignatureVerifier {
 public:
  [[nodiscard]] AuthResult<void> verify(Algorithm alg, const Jwk& key, std::string_view signing_input,
                                        std::string_view signature) const override;
};

const SignatureVerifier& default_verifier();

// ECDSA in JWS is the fixed-length big-endian r||s (RFC 7518 §3.4); OpenSSL wants DER. A token
// whose signature is already DER is refused by its length, so one signature has one encoding.
std::optional<std::string> ecdsa_raw_to_der(std::string_view raw);
std::optional<std::string> ecdsa_der_to_raw(std::string_view der, std::size_t field_bytes);

}  // namespace mcpgate::oauth
