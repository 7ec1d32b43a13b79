#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mcpgate {

// RFC 4648 §5 without padding (as JWS and PKCE use it).
std::string base64url_encode(std::string_view bytes);
// Strict: rejects padding, whitespace and non-alphabet characters, and non-canonical trailing bits.
std::optional<std::string> base64url_decode(std::string_view text);

// RFC 4648 §4 with padding (for MIME-style payloads such as the `=?base64?…?=` header sentinel).
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace mcpgate
