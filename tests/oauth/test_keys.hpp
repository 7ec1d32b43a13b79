#pragma once
// Keys generated once per test process (RSA generation is the slow part) and the token builders
// the suites share.
#include <boost/json.hpp>
#include <string>

#include "core/base64url.hpp"
#include "fakes.hpp"
#include "oauth/token_minter.hpp"

namespace mcpgate::oauth::testing {

inline constexpr const char* kIssuer = "https://as.example.com";
inline constexpr const char* kStrictIssuer = "https://strict.example.com";
inline constexpr const char* kResource = "https://mcp.example.com/mcp";
inline constexpr const char* kHmacSecret = "0123456789abcdef0123456789abcdef-shared-secret";

struct TestKeys {
  SigningKey ec1, ec2, ec_attacker, ec384, rs1, rs_attacker, ed1, rs1024;

  static const TestKeys& get() {
    static const TestKeys k = [] {
      TestKeys t;
      t.ec1 = *SigningKey::generate(Algorithm::ES256);
      t.ec2 = *SigningKey::generate(Algorithm::ES256);
      t.ec_attacker = *SigningKey::generate(Algorithm::ES256);
      t.ec384 = *SigningKey::generate(Algorithm::ES384);
      t.rs1 = *SigningKey::generate(Algorithm::RS256);
      t.rs_attacker = *SigningKey::generate(Algorithm::RS256);
      t.ed1 = *SigningKey::generate(Algorithm::EdDSA);
      t.rs1024 = *SigningKey::generate(Algorithm::RS256, 1024);
      return t;
    }();
    return k;
  }

  // ec1, ec384, rs1 (RS256 and PS256 share it), ed1, rs1024 (must be refused).
  std::string jwks(bool with_ec2 = false) const {
    boost::json::array keys;
    keys.push_back(*ec1.public_jwk("ec1"));
    keys.push_back(*ec384.public_jwk("ec384"));
    keys.push_back(*rs1.public_jwk("rs1"));
    keys.push_back(*ed1.public_jwk("ed1"));
    keys.push_back(*rs1024.public_jwk("rs1024"));
    if (with_ec2) keys.push_back(*ec2.public_jwk("ec2"));
    return boost::json::serialize(boost::json::object{{"keys", std::move(keys)}});
  }
};

inline boost::json::object default_claims() {
  return boost::json::object{{"iss", kIssuer},      {"sub", "alice"},   {"aud", kResource},
                             {"exp", kNow + 600},   {"iat", kNow - 10}, {"scope", "mcp:read mcp:write"},
                             {"client_id", "cli-1"}};
}

inline std::string header_json(std::string_view alg, std::string_view kid, std::string_view extra = "") {
  std::string h = "{\"alg\":\"" + std::string(alg) + "\",\"typ\":\"at+jwt\"";
  if (!kid.empty()) h += ",\"kid\":\"" + std::string(kid) + "\"";
  return h + std::string(extra) + "}";
}

inline std::string sign(const SigningKey& key, Algorithm alg, std::string_view header, std::string_view payload) {
  return *sign_compact(key, alg, header, payload);
}

inline std::string mint(const SigningKey& key, Algorithm alg, std::string kid,
                        boost::json::object claims = default_claims(), std::optional<std::string> typ = "at+jwt") {
  MintRequest r;
  r.alg = alg;
  if (!kid.empty()) r.kid = std::move(kid);  // "" means no kid header
  r.typ = std::move(typ);
  r.claims = std::move(claims);
  return *mint_token(key, r);
}

inline std::string hmac_token(Algorithm alg, std::string_view secret, std::string_view header,
                              std::string_view payload) {
  std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  return input + "." + base64url_encode(*hmac_sign(alg, secret, input));
}

}  // namespace mcpgate::oauth::testing
