#include "oauth/jwks.hpp"

#include "core/json.hpp"

namespace mcpgate::oauth {

std::vector<std::shared_ptr<const Jwk>> JwkSet::candidates(const std::optional<std::string>& kid, Algorithm alg) const {
  std::vector<std::shared_ptr<const Jwk>> out;
  for (auto& k : keys) {
    if (kid && k->kid != kid) continue;
    if (k->compatible_with(alg)) out.push_back(k);
  }
  return out;
}

Result<JwkSet> parse_jwks(std::string_view text, const JwkOptions& options, const JwksLimits& limits) {
  if (text.size() > limits.max_bytes) return fail("JWKS document too large");
  auto doc = parse_json(text, JsonLimits{limits.max_json_depth, limits.max_bytes});
  if (!doc) return fail("JWKS: " + doc.error().message);
  if (!doc->is_object()) return fail("JWKS is not a JSON object");
  auto* keys = doc->get_object().if_contains("keys");
  if (!keys || !keys->is_array()) return fail("JWKS has no keys array");
  if (keys->get_array().size() > limits.max_keys) return fail("JWKS has too many keys");
  JwkSet set;
  for (auto& v : keys->get_array()) {
    if (!v.is_object()) {
      ++set.skipped;
      continue;
    }
    auto k = parse_jwk(v.get_object(), options);
    if (!k) {
      ++set.skipped;
      continue;
    }
    set.keys.push_back(std::make_shared<const Jwk>(std::move(*k)));
  }
  return set;
}

}  // namespace mcpgate::oauth
