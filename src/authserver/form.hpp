#pragma once
// Parsers for the untrusted text of OAuth requests: application/x-www-form-urlencoded bodies and
// query strings (RFC 6749 §3.1, §3.2: a parameter sent more than once is an error), and HTTP
// Basic client credentials (RFC 6749 §2.3.1, RFC 7617). Each has a libFuzzer target.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/secret.hpp"

namespace mcpgate::authserver {

struct FormLimits {
  std::size_t max_bytes = 64 * 1024;
  std::size_t max_params = 64;
};

enum class FormError { too_large, too_many, bad_encoding, duplicate };
std::string_view describe(FormError e);

using Params = std::map<std::string, std::string, std::less<>>;

// '+' is a space and %XX a byte; a '%' not followed by two hex digits is an error. Empty values
// count as absent (RFC 6749 §3.1), so "a=&b=1" has only b. A name repeated is `duplicate`.
[[nodiscard]] expected<Params, FormError> parse_form(std::string_view body, const FormLimits& limits = {});

// Percent-decoding of one component; nullopt on a bad escape. `plus_is_space` for forms.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);
// Encoding for a query component (RFC 3986 unreserved characters kept).
std::string percent_encode(std::string_view text);

// Two readings of one Basic header; the authorization server accepts a client when either reading,
// id and secret together, names it and proves its secret.
struct BasicCredentials {
  std::string client_id;  // the RFC 6749 §2.3.1 reading: each part form-decoded ('+' is a space)
  Secret client_secret;
  std::string raw_client_id;  // exactly as sent (clients that do not encode, e.g. the TypeScript SDK)
  Secret raw_client_secret;
};

// `Authorization: Basic base64(id ":" secret)`, split at the first ':'. RFC 6749 §2.3.1 says id and
// secret are each form-encoded before joining; many clients (the MCP TypeScript SDK among them) do
// not encode. Both readings are returned; when a part has a malformed escape there is no form
// reading and both are the raw text. nullopt for anything that is not Basic with a colon in valid
// Base64, or with an empty id.
[[nodiscard]] std::optional<BasicCredentials> parse_basic_auth(std::string_view header);

}  // namespace mcpgate::authserver
