#pragma once
// JWS compact serialization (RFC 7515 §7.1), parsed strictly: exactly three parts, unpadded
// canonical base64url (RFC 7515 §2), a header that is one JSON object without duplicate keys
// (RFC 7515 §4, RFC 8725 §3.1), and a bounded size. Nothing here looks at keys or claims.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oauth/algorithm.hpp"
#include "oauth/auth_error.hpp"

namespace mcpgate::oauth {

struct JwsLimits {
  std::size_t max_token_bytes = 8 * 1024;
  std::size_t max_header_bytes = 2 * 1024;  // decoded
  std::size_t max_json_depth = 16;
};

struct JwsHeader {
  Algorithm alg;
  std::optional<std::string> kid;
  std::optional<std::string> typ;
};

struct Jws {
  JwsHeader header;
  std::string signing_input;  // ASCII(BASE64URL(header) || '.' || BASE64URL(payload))
  std::string payload;        // decoded bytes; a JWT validator parses them as JSON
  std::string signature;      // decoded bytes
};

//   wrong size                             → token_too_large
//   not three parts, bad base64url or JSON → malformed_token
//   alg missing / "none" / unknown         → unsupported_algorithm
//   any crit                               → unknown_critical_header (we implement no extension)
// Header parameters that carry keys (jwk, jku, x5u, x5c) are ignored, never trusted (RFC 8725 §3.10).
[[nodiscard]] AuthResult<Jws> parse_jws(std::string_view compact, const JwsLimits& limits = {});

}  // namespace mcpgate::oauth
