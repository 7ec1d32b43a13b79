#pragma once
// A JSON Web Key Set (RFC 7517 §5). Keys we cannot use (other kty or curves, encryption keys,
// malformed members) are skipped rather than failing the set, because real IdPs publish keys for
// several purposes; a document that is not a key set at all is an error.
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "oauth/jwk.hpp"

namespace mcpgate::oauth {

struct JwksLimits {
  std::size_t max_bytes = 256 * 1024;
  std::size_t max_keys = 64;
  std::size_t max_json_depth = 8;
};

struct JwkSet {
  std::vector<std::shared_ptr<const Jwk>> keys;
  std::size_t skipped = 0;  // keys present in the document but not usable

  // Keys that may verify a token with this kid and alg. With a kid, only keys with that exact
  // kid; without one, every compatible key (the set is bounded by JwksLimits::max_keys).
  std::vector<std::shared_ptr<const Jwk>> candidates(const std::optional<std::string>& kid, Algorithm alg) const;
};

[[nodiscard]] Result<JwkSet> parse_jwks(std::string_view text, const JwkOptions& options = {},
                                        const JwksLimits& limits = {});

}  // namespace mcpgate::oauth
