#include "audit/forged_tokens.hpp"

#include <openssl/bio.h>
#include <openssl/pem.h>

#include <boost/json.hpp>
#include <memory>

#include "core/base64url.hpp"
#include "core/json.hpp"
#include "core/random.hpp"
#include "oauth/jwks.hpp"
#include "oauth/token_minter.hpp"

namespace mcpgate::audit {
namespace json = boost::json;

namespace {

std::int64_t seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

json::object payload(const ForgedClaims& c, std::int64_t exp) {
  json::object p{
      {"sub", "mcpgate-audit"},           {"aud", c.audience},           {"iat", seconds(c.now)}, {"exp", exp},
      {"jti", system_random().token(12)}, {"client_id", "mcpgate-audit"}};
  if (!c.issuer.empty()) p["iss"] = c.issuer;
  if (!c.scope.empty()) p["scope"] = c.scope;
  return p;
}

std::string segment(const json::object& o) {
  return base64url_encode(json::serialize(o));
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

}  // namespace

std::string malformed_token() {
  return "mcpgate-audit.not-a-token";
}

std::string alg_none_token(const ForgedClaims& c) {
  json::object header{{"alg", "none"}, {"typ", "at+jwt"}};
  return segment(header) + "." + segment(payload(c, seconds(c.now) + 300)) + ".";
}

std::string expired_token(const ForgedClaims& c, const std::optional<std::string>& kid) {
  json::object header{{"alg", "RS256"}, {"typ", "at+jwt"}};
  if (kid) header["kid"] = *kid;
  std::string sig(256, '\0');
  system_random().fill(sig.data(), sig.size());
  return segment(header) + "." + segment(payload(c, seconds(c.now) - 3600)) + "." + base64url_encode(sig);
}

std::optional<std::string> first_kid(std::string_view jwks) {
  auto set = oauth::parse_jwks(jwks);
  if (!set) return std::nullopt;
  for (auto& k : set->keys)
    if (k->kid) return k->kid;
  return std::nullopt;
}

Result<std::string> public_key_hs256_token(const ForgedClaims& c, std::string_view jwks) {
  auto set = oauth::parse_jwks(jwks);
  if (!set) return fail("the key set does not parse: " + set.error().message);
  for (auto& k : set->keys) {
    if (!k->key || (k->kty != oauth::KeyType::rsa && k->kty != oauth::KeyType::ec)) continue;
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), k->key.get()) != 1) return fail("cannot encode the public key");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    std::string pem(data, static_cast<std::size_t>(len));
    json::object header{{"alg", "HS256"}, {"typ", "at+jwt"}};
    if (k->kid) header["kid"] = *k->kid;
    auto input = segment(header) + "." + segment(payload(c, seconds(c.now) + 300));
    auto mac = oauth::hmac_sign(oauth::Algorithm::HS256, pem, input);
    if (!mac) return unexpected(mac.error());
    return input + "." + base64url_encode(*mac);
  }
  return fail("the key set has no RSA or EC key");
}

std::optional<json::object> unverified_claims(std::string_view jwt) {
  auto first = jwt.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = jwt.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto bytes = base64url_decode(jwt.substr(first + 1, second - first - 1));
  if (!bytes) return std::nullopt;
  auto v = parse_json(*bytes);
  if (!v || !v->is_object()) return std::nullopt;
  return v->get_object();
}

std::optional<std::string> with_altered_audience(std::string_view jwt, std::string_view audience) {
  auto claims = unverified_claims(jwt);
  if (!claims) return std::nullopt;
  auto first = jwt.find('.');
  auto second = jwt.find('.', first + 1);
  (*claims)["aud"] = audience;
  return std::string(jwt.substr(0, first)) + "." + segment(*claims) + std::string(jwt.substr(second));
}

}  // namespace mcpgate::audit
