#pragma once
// Scope strings (RFC 6749 §3.3): split, joined in the one canonical form the store compares,
// and checked token by token.
#include <string>
#include <string_view>
#include <vector>

namespace mcpgate::authserver {

// Space-separated words, empty words and repeats dropped, first-seen order kept.
[[nodiscard]] std::vector<std::string> split_scope(std::string_view s);
// Scope sets are stored and compared in one canonical form: sorted, unique, space-joined.
[[nodiscard]] std::string join_scope(std::vector<std::string> v);
[[nodiscard]] bool contains(const std::vector<std::string>& v, std::string_view s);
// RFC 6749 §3.3: one scope-token, %x21 / %x23-5B / %x5D-7E.
[[nodiscard]] bool valid_scope_token(std::string_view s);

}  // namespace mcpgate::authserver
