#pragma once
// Signs JWTs with a private key: the embedded authorization server's tokens, the gateway's client
// assertions (private_key_jwt toward an external token endpoint), and `mcpgate token mint`, the
// testing tool. It decides nothing itself: no client authentication, no consent, no policy.
#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "oauth/algorithm.hpp"
#include "oauth/jwk.hpp"

namespace mcpgate::oauth {

class SigningKey {
 public:
  // A PKCS#8 or traditional PEM private key (RSA, EC P-256/384/521, Ed25519).
  [[nodiscard]] static Result<SigningKey> from_pem(std::string_view pem);
  // A fresh key for `alg` (RSA 2048 unless rsa_bits says otherwise). Tests only.
  [[nodiscard]] static Result<SigningKey> generate(Algorithm alg, int rsa_bits = 2048);

  EVP_PKEY* get() const { return key_.get(); }
  [[nodiscard]] Result<std::string> private_pem() const;
  [[nodiscard]] Result<boost::json::object> public_jwk(std::optional<std::string> kid = std::nullopt,
                                                       std::optional<Algorithm> alg = std::nullopt) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

struct MintRequest {
  Algorithm alg = Algorithm::ES256;
  std::optional<std::string> kid;
  std::optional<std::string> typ = "at+jwt";
  boost::json::object claims;
};

[[nodiscard]] Result<std::string> mint_token(const SigningKey& key, const MintRequest& request);

// Lower level, for adversarial tests: signs the exact header and payload text given.
[[nodiscard]] Result<std::string> sign_compact(const SigningKey& key, Algorithm alg, std::string_view header_json,
                                               std::string_view payload_json);
// A JWS signature over `input` (ECDSA as raw r||s, RFC 7518 §3.4).
[[nodiscard]] Result<std::string> sign_bytes(const SigningKey& key, Algorithm alg, std::string_view input);
// HS256/384/512 over `input` with a raw secret.
[[nodiscard]] Result<std::string> hmac_sign(Algorithm alg, std::string_view secret, std::string_view input);

}  // namespace mcpgate::oauth
