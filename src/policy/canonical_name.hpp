#pragma once
// The one form in which a resource URI, tool name or prompt name is judged by the policy and
// forwarded to the upstream. Two spellings of the same resource (`RES://Public/%41`,
// `res://public/A`) must meet the same rules, and a spelling whose meaning depends on who reads
// it (`res://public/../secret`, `%2F`, a name with a trailing space that an upstream trims) must
// not reach the upstream at all: the gateway would judge one resource and the upstream serve
// another.
//
// URIs (RFC 3986 §6.2.2, syntax-based normalization):
//   - the scheme and the host are lower-cased (§6.2.2.1); userinfo, path, query keep their case;
//   - percent-encoded unreserved characters are decoded, other escapes get upper-case hex
//     (§6.2.2.2); non-ASCII UTF-8 is kept as sent (IRI form), never decoded from or encoded to %XX;
//   - `.` and `..` segments of the path are removed (§5.2.4, §6.2.2.3), after the decoding above
//     (`%2e%2e` is `..`).
// Refused, because a reader could take them for something else:
//   - a `..` that would climb above the first segment of the path (RFC 3986 silently drops it;
//     a file-backed upstream may not), for URIs with and without an authority alike;
//   - `%2F` (an encoded `/`), `%5C` and `\` (a separator for some servers), `%25` followed by two
//     hex digits in the path (double encoding, decoded twice by some servers), `%00` and every other
//     encoded or raw control character, invalid percent-encoding, invalid UTF-8, space, `"`, `<`,
//     `>` and `` ` ``;
//   - no scheme (a relative reference has no meaning without a base), longer than kMaxUriBytes.
// `{`, `}`, `*` and `?` are kept: URI templates (RFC 6570) and policy patterns go through the
// same function.
//
// Tool and prompt names are case-sensitive and compared byte for byte. Canonical means: 1 to
// kMaxNameBytes bytes of valid UTF-8 with no control character (C0, DEL, C1), no white space
// (ASCII or Unicode) and no invisible formatting character (zero-width, bidirectional controls,
// soft hyphen, BOM) anywhere. The 2025-11-25 specification recommends [A-Za-z0-9_.-]{1,128}
// ("Tool names"); other visible characters are accepted since upstreams use them, and are
// judged exactly as written. Unicode normalization (NFC) is not applied: two names that differ
// in their code points are two names.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mcpgate::policy {

enum class NameError {
  empty,
  too_long,
  no_scheme,
  bad_percent_encoding,
  encoded_slash,
  encoded_backslash,
  double_encoding,
  nul,
  control_character,
  white_space,
  invisible_character,
  forbidden_character,
  invalid_utf8,
  escapes_root,
};

inline constexpr std::size_t kMaxUriBytes = 8192;
inline constexpr std::size_t kMaxNameBytes = 512;

const char* describe(NameError e);

// The canonical form of a resource URI or URI template, or why there is none.
[[nodiscard]] expected<std::string, NameError> canonical_uri(std::string_view uri);

// A tool or prompt name as it is (names are not rewritten), or why it is not canonical.
[[nodiscard]] expected<std::string, NameError> canonical_name(std::string_view name);

}  // namespace mcpgate::policy
