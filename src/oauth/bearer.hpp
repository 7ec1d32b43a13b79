#pragma once
// Bearer token extraction (RFC 6750 §2.1): from the Authorization header and nowhere else. The
// query string (§2.3) and form body (§2.2) are deliberately not supported: URLs end up in logs
// and proxies, and MCP clients MUST send the header on every request.
#include <span>
#include <string_view>
#include <utility>

#include "core/secret.hpp"
#include "oauth/auth_error.hpp"

namespace mcpgate::oauth {

using HeaderField = std::pair<std::string_view, std::string_view>;

struct BearerLimits {
  std::size_t max_token_bytes = 8 * 1024;
};

// `headers` is every request header as (name, value), names in any case, values with the
// surrounding whitespace already trimmed (as every HTTP/1.1 parser does).
//   no Authorization, or another scheme (Basic, DPoP…) → missing_token (RFC 6750 §3.1: no error)
//   two or more Authorization headers                  → duplicate_authorization
//   token longer than the limit                        → token_too_large
//   empty or not token68 (RFC 7235 §2.1)               → malformed_token
[[nodiscard]] AuthResult<Secret> extract_bearer(std::span<const HeaderField> headers, const BearerLimits& limits = {});

}  // namespace mcpgate::oauth
