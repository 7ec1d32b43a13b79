#include "oauth/jwk.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "core/base64url.hpp"
#include "oauth/p256_key_table.hpp"

namespace mcpgate::oauth {
namespace json = boost::json;

void EvpPkeyDeleter::operator()(EVP_PKEY* p) const {
  EVP_PKEY_free(p);
}

void prepare_verification(Jwk& key) {
  if (key.kty != KeyType::ec || !key.key) return;
  VerifyContext ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.key.get(), nullptr), EVP_PKEY_CTX_free);
  if (ctx && EVP_PKEY_verify_init(ctx.get()) == 1) key.verify_ctx = std::move(ctx);
  if (key.crv == Curve::p256) key.p256 = std::make_shared<LazyP256Table>(key.key);
}

namespace {

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

[[nodiscard]] Result<std::string> member_b64(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v || !v->is_string()) return fail("JWK member " + std::string(name) + " missing");
  auto d = base64url_decode(std::string_view(v->get_string()));
  if (!d || d->empty()) return fail("JWK member " + std::string(name) + " is not base64url");
  return *d;
}

std::optional<std::string> member_str(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

[[nodiscard]] Result<PublicKey> from_params(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) return fail("key construction failed");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0 || !raw)
    return fail("key rejected by OpenSSL");
  PublicKey key(raw, EvpPkeyDeleter{});
  // Invalid-curve attacks: a point that is not on the curve must never be used (RFC 8725 §3.4).
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> check(EVP_PKEY_CTX_new_from_pkey(nullptr, raw, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return fail("public key check failed");
  return key;
}

[[nodiscard]] Result<PublicKey> rsa_key(const json::object& o, int& bits) {
  auto n = member_b64(o, "n");
  if (!n) return unexpected(n.error());
  auto e = member_b64(o, "e");
  if (!e) return unexpected(e.error());
  if (e->size() > 8) return fail("RSA exponent too large");
  Bn bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), int(n->size()), nullptr));
  Bn bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), int(e->size()), nullptr));
  if (!bn_n || !bn_e) return fail("RSA parameters");
  if (!BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get())) return fail("RSA exponent invalid");
  bits = BN_num_bits(bn_n.get());
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()))
    return fail("RSA parameters");
  return from_params("RSA", bld.get());
}

struct CurveInfo {
  std::string_view jwk_name;
  Curve curve;
  const char* group;
  std::size_t field_bytes;
};
constexpr CurveInfo kCurves[] = {
    {"P-256", Curve::p256, "prime256v1", 32},
    {"P-384", Curve::p384, "secp384r1", 48},
    {"P-521", Curve::p521, "secp521r1", 66},
};

[[nodiscard]] Result<PublicKey> ec_key(const json::object& o, Curve& curve) {
  auto crv = member_str(o, "crv");
  const CurveInfo* info = nullptr;
  for (auto& c : kCurves)
    if (crv && *crv == c.jwk_name) info = &c;
  if (!info) return fail("unsupported EC curve");
  auto x = member_b64(o, "x");
  if (!x) return unexpected(x.error());
  auto y = member_b64(o, "y");
  if (!y) return unexpected(y.error());
  // RFC 7518 §6.2.1.2/3: full-size coordinates, so there is one encoding per key.
  if (x->size() != info->field_bytes || y->size() != info->field_bytes) return fail("EC coordinate length");
  std::string point = "\x04" + *x + *y;
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, info->group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
    return fail("EC parameters");
  curve = info->curve;
  return from_params("EC", bld.get());
}

[[nodiscard]] Result<PublicKey> okp_key(const json::object& o, Curve& curve) {
  auto crv = member_str(o, "crv");
  if (!crv || *crv != "Ed25519") return fail("unsupported OKP curve");
  auto x = member_b64(o, "x");
  if (!x) return unexpected(x.error());
  if (x->size() != 32) return fail("Ed25519 key length");
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, x->data(), x->size()))
    return fail("OKP parameters");
  curve = Curve::ed25519;
  return from_params("ED25519", bld.get());
}

std::size_t hmac_min_bytes(Algorithm a) {
  return a == Algorithm::HS256 ? 32 : a == Algorithm::HS384 ? 48 : 64;
}

}  // namespace

bool Jwk::compatible_with(Algorithm a) const {
  if (!for_signature) return false;
  if (alg && *alg != a) return false;
  switch (family(a)) {
    case AlgorithmFamily::rsa_pkcs1:
    case AlgorithmFamily::rsa_pss:
      return kty == KeyType::rsa && key != nullptr;
    case AlgorithmFamily::ecdsa:
      if (kty != KeyType::ec || !key) return false;
      return (a == Algorithm::ES256 && crv == Curve::p256) || (a == Algorithm::ES384 && crv == Curve::p384) ||
             (a == Algorithm::ES512 && crv == Curve::p521);
    case AlgorithmFamily::eddsa:
      return kty == KeyType::okp && crv == Curve::ed25519 && key != nullptr;
    case AlgorithmFamily::hmac:
      // RFC 7518 §3.2: the key is at least as long as the hash output.
      return kty == KeyType::oct && secret.reveal().size() >= hmac_min_bytes(a);
  }
  return false;
}

Result<Jwk> parse_jwk(const json::object& o, const JwkOptions& options) {
  Jwk k;
  auto kty = member_str(o, "kty");
  if (!kty) return fail("JWK without kty");
  if (auto* kid = o.if_contains("kid")) {
    if (!kid->is_string()) return fail("JWK kid is not a string");
    k.kid = std::string(kid->get_string());
  }
  if (auto* alg = o.if_contains("alg")) {
    if (!alg->is_string()) return fail("JWK alg is not a string");
    k.alg = parse_algorithm(std::string_view(alg->get_string()));
    if (!k.alg) return fail("JWK alg not supported");
  }
  if (auto* use = o.if_contains("use")) {
    if (!use->is_string()) return fail("JWK use is not a string");
    if (use->get_string() != "sig") k.for_signature = false;
  }
  if (auto* ops = o.if_contains("key_ops")) {
    if (!ops->is_array()) return fail("JWK key_ops is not an array");
    bool verify = false;
    for (auto& op : ops->get_array()) {
      if (!op.is_string()) return fail("JWK key_ops member is not a string");
      if (op.get_string() == "verify") verify = true;
    }
    if (!verify) k.for_signature = false;
  }
  // A published private key is a compromised key.
  for (auto m : {"d", "p", "q", "dp", "dq", "qi", "oth"})
    if (*kty != "oct" && o.contains(m)) return fail("JWK carries private key material");

  if (*kty == "RSA") {
    k.kty = KeyType::rsa;
    auto key = rsa_key(o, k.bits);
    if (!key) return unexpected(key.error());
    if (k.bits < options.min_rsa_bits)
      return fail("RSA key shorter than " + std::to_string(options.min_rsa_bits) + " bits");
    k.key = std::move(*key);
  } else if (*kty == "EC") {
    k.kty = KeyType::ec;
    auto key = ec_key(o, k.crv);
    if (!key) return unexpected(key.error());
    k.key = std::move(*key);
    prepare_verification(k);
  } else if (*kty == "OKP") {
    k.kty = KeyType::okp;
    auto key = okp_key(o, k.crv);
    if (!key) return unexpected(key.error());
    k.key = std::move(*key);
  } else if (*kty == "oct") {
    if (!options.allow_symmetric) return fail("symmetric JWK not allowed here");
    k.kty = KeyType::oct;
    auto secret = member_b64(o, "k");
    if (!secret) return unexpected(secret.error());
    k.secret = Secret(std::move(*secret));
  } else {
    return fail("unsupported kty");
  }
  if (k.alg && !k.compatible_with(*k.alg) && k.for_signature) return fail("JWK alg does not match its key type");
  return k;
}

Jwk symmetric_key(Secret secret, std::optional<std::string> kid) {
  Jwk k;
  k.kid = std::move(kid);
  k.kty = KeyType::oct;
  k.secret = std::move(secret);
  return k;
}

Result<json::object> public_jwk(EVP_PKEY* key, std::optional<std::string> kid, std::optional<Algorithm> alg) {
  json::object o;
  auto bn_b64 = [&](const char* name) -> std::optional<std::string> {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) return std::nullopt;
    Bn owned(bn);
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    return base64url_encode(bytes);
  };
  if (EVP_PKEY_is_a(key, "RSA")) {
    auto n = bn_b64(OSSL_PKEY_PARAM_RSA_N), e = bn_b64(OSSL_PKEY_PARAM_RSA_E);
    if (!n || !e) return fail("RSA export failed");
    o["kty"] = "RSA";
    o["n"] = *n;
    o["e"] = *e;
  } else if (EVP_PKEY_is_a(key, "EC")) {
    char group[64];
    std::size_t glen = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen) != 1)
      return fail("EC export failed");
    const CurveInfo* info = nullptr;
    for (auto& c : kCurves)
      if (std::string_view(group, glen) == c.group) info = &c;
    if (!info) return fail("EC curve not supported");
    unsigned char pub[256];
    std::size_t plen = 0;
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub, sizeof pub, &plen) != 1 ||
        plen != 1 + 2 * info->field_bytes || pub[0] != 4)
      return fail("EC export failed");
    std::string_view p(reinterpret_cast<const char*>(pub), plen);
    o["kty"] = "EC";
    o["crv"] = info->jwk_name;
    o["x"] = base64url_encode(p.substr(1, info->field_bytes));
    o["y"] = base64url_encode(p.substr(1 + info->field_bytes));
  } else if (EVP_PKEY_is_a(key, "ED25519")) {
    unsigned char pub[32];
    std::size_t plen = sizeof pub;
    if (EVP_PKEY_get_raw_public_key(key, pub, &plen) != 1) return fail("Ed25519 export failed");
    o["kty"] = "OKP";
    o["crv"] = "Ed25519";
    o["x"] = base64url_encode(std::string_view(reinterpret_cast<const char*>(pub), plen));
  } else {
    return fail("unsupported key type");
  }
  o["use"] = "sig";
  if (kid) o["kid"] = *kid;
  if (alg) o["alg"] = algorithm_name(*alg);
  return o;
}

}  // namespace mcpgate::oauth
