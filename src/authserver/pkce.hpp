#pragma once
// PKCE (RFC 7636) text: the verifier and challenge syntax, and the S256 transform.
#include <string>
#include <string_view>

namespace mcpgate::authserver {

// A PKCE verifier or challenge: 43..128 unreserved characters (RFC 7636 §4.1, §4.2).
[[nodiscard]] bool pkce_text(std::string_view s);
// BASE64URL(SHA256(data)): the S256 challenge of a verifier (RFC 7636 §4.2).
[[nodiscard]] std::string sha256_b64url(std::string_view data);

}  // namespace mcpgate::authserver
