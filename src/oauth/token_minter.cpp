#include "oauth/token_minter.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <boost/json/serialize.hpp>

#include "core/base64url.hpp"
#include "oauth/signature.hpp"

namespace mcpgate::oauth {
namespace json = boost::json;

namespace {
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

const EVP_MD* md_for(Algorithm a) {
  switch (a) {
    case Algorithm::RS256:
    case Algorithm::PS256:
    case Algorithm::ES256:
    case Algorithm::HS256:
      return EVP_sha256();
    case Algorithm::RS384:
    case Algorithm::PS384:
    case Algorithm::ES384:
    case Algorithm::HS384:
      return EVP_sha384();
    case Algorithm::RS512:
    case Algorithm::PS512:
    case Algorithm::ES512:
    case Algorithm::HS512:
      return EVP_sha512();
    case Algorithm::EdDSA:
      return nullptr;
  }
  return nullptr;
}
}  // namespace

Result<SigningKey> SigningKey::from_pem(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  if (!bio) return fail("out of memory");
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!k) return fail("not a PEM private key");
  SigningKey out;
  out.key_.reset(k, EvpPkeyDeleter{});
  return out;
}

Result<SigningKey> SigningKey::generate(Algorithm alg, int rsa_bits) {
  EVP_PKEY* k = nullptr;
  switch (alg) {
    case Algorithm::ES256:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case Algorithm::ES384:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case Algorithm::ES512:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
      break;
    case Algorithm::EdDSA:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case Algorithm::HS256:
    case Algorithm::HS384:
    case Algorithm::HS512:
      return fail("HMAC has no key pair");
    default:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits));
      break;
  }
  if (!k) return fail("key generation failed");
  SigningKey out;
  out.key_.reset(k, EvpPkeyDeleter{});
  return out;
}

Result<std::string> SigningKey::private_pem() const {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return fail("PEM export failed");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Result<json::object> SigningKey::public_jwk(std::optional<std::string> kid, std::optional<Algorithm> alg) const {
  return oauth::public_jwk(key_.get(), std::move(kid), alg);
}

Result<std::string> hmac_sign(Algorithm alg, std::string_view secret, std::string_view input) {
  if (family(alg) != AlgorithmFamily::hmac) return fail("not an HMAC algorithm");
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(md_for(alg), secret.data(), int(secret.size()), reinterpret_cast<const unsigned char*>(input.data()),
            input.size(), mac, &len))
    return fail("HMAC failed");
  return std::string(reinterpret_cast<const char*>(mac), len);
}

Result<std::string> sign_bytes(const SigningKey& key, Algorithm alg, std::string_view input) {
  if (family(alg) == AlgorithmFamily::hmac) return fail("use hmac_sign for HMAC");
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, md_for(alg), nullptr, key.get()) != 1)
    return fail("sign init failed");
  if (family(alg) == AlgorithmFamily::rsa_pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                                                  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
    return fail("PSS setup failed");
  std::size_t len = 0;
  auto* in = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1) return fail("sign failed");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()) != 1)
    return fail("sign failed");
  sig.resize(len);
  if (family(alg) == AlgorithmFamily::ecdsa) {
    std::size_t field = alg == Algorithm::ES256 ? 32 : alg == Algorithm::ES384 ? 48 : 66;
    auto raw = ecdsa_der_to_raw(sig, field);
    if (!raw) return fail("ECDSA conversion failed");
    return *raw;
  }
  return sig;
}

Result<std::string> sign_compact(const SigningKey& key, Algorithm alg, std::string_view header_json,
                                 std::string_view payload_json) {
  std::string input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  auto sig = sign_bytes(key, alg, input);
  if (!sig) return unexpected(sig.error());
  return input + "." + base64url_encode(*sig);
}

Result<std::string> mint_token(const SigningKey& key, const MintRequest& req) {
  json::object header;
  header["alg"] = algorithm_name(req.alg);
  if (req.typ) header["typ"] = *req.typ;
  if (req.kid) header["kid"] = *req.kid;
  return sign_compact(key, req.alg, json::serialize(header), json::serialize(req.claims));
}

}  // namespace mcpgate::oauth
