#include "oauth/jws.hpp"

#include "core/base64url.hpp"
#include "core/json.hpp"

namespace mcpgate::oauth {

AuthResult<Jws> parse_jws(std::string_view compact, const JwsLimits& limits) {
  if (compact.size() > limits.max_token_bytes) return reject(AuthError::token_too_large);
  auto d1 = compact.find('.');
  if (d1 == std::string_view::npos) return reject(AuthError::malformed_token);
  auto d2 = compact.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return reject(AuthError::malformed_token);
  // A fourth part would be JWE (five parts) or garbage; either way not ours.
  if (compact.find('.', d2 + 1) != std::string_view::npos) return reject(AuthError::malformed_token);
  std::string_view h64 = compact.substr(0, d1), p64 = compact.substr(d1 + 1, d2 - d1 - 1), s64 = compact.substr(d2 + 1);
  if (h64.empty() || p64.empty()) return reject(AuthError::malformed_token);
  if (h64.size() / 4 * 3 > limits.max_header_bytes + 3) return reject(AuthError::token_too_large);

  auto header_bytes = base64url_decode(h64);
  auto payload = base64url_decode(p64);
  auto signature = base64url_decode(s64);
  if (!header_bytes || !payload || !signature) return reject(AuthError::malformed_token);

  auto parsed = parse_json(*header_bytes, JsonLimits{limits.max_json_depth, limits.max_header_bytes});
  if (!parsed || !parsed->is_object()) return reject(AuthError::malformed_token);
  const auto& obj = parsed->get_object();

  // crit first: a token that depends on an extension we do not understand must not be processed
  // further, whatever its alg (RFC 7515 §4.1.11).
  if (obj.contains("crit")) return reject(AuthError::unknown_critical_header);

  auto* alg = obj.if_contains("alg");
  if (!alg || !alg->is_string()) return reject(AuthError::unsupported_algorithm);
  auto a = parse_algorithm(std::string_view(alg->get_string()));
  if (!a) return reject(AuthError::unsupported_algorithm);  // includes none/None/NONE (RFC 8725 §3.1)

  Jws out;
  out.header.alg = *a;
  if (auto* kid = obj.if_contains("kid")) {
    if (!kid->is_string()) return reject(AuthError::malformed_token);
    out.header.kid = std::string(kid->get_string());
  }
  if (auto* typ = obj.if_contains("typ")) {
    if (!typ->is_string()) return reject(AuthError::malformed_token);
    out.header.typ = std::string(typ->get_string());
  }
  out.signing_input = std::string(compact.substr(0, d2));
  out.payload = std::move(*payload);
  out.signature = std::move(*signature);
  return out;
}

}  // namespace mcpgate::oauth
