#pragma once
// Name and URI patterns of policy rules: `*` matches any run of characters (also `/`), `?` one
// character; everything else is literal. A URI template's `{var}` in a pattern matches one or
// more characters other than `/` (RFC 6570 level 1, as resource templates use it).
#include <string_view>

namespace mcpgate::policy {

bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace mcpgate::policy
