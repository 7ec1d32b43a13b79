#pragma once
// What one user may be granted of what a client asked for. The authorization server may issue
// fewer scopes than requested (RFC 6749 §3.3) — and then names the granted ones in the token
// response, which it always does — so a user without a scope gets a narrower token, not an
// error page: a client asking a reader for a write scope (step-up) gets what the reader may have.
#include <string>
#include <string_view>
#include <vector>

namespace mcpgate::authserver {

struct UserGrant {
  std::vector<std::string> granted;   // requested and allowed, in the order requested
  std::vector<std::string> withheld;  // requested and not allowed to this user
};

// `allowed` is the user's scope list (space-separated); empty: no restriction.
UserGrant grant_for_user(const std::vector<std::string>& requested, std::string_view allowed);

// A user's scope list as typed by an operator ("mcp:read mcp:write", commas allowed), in the stored
// form: space-separated, each scope once. Empty when any scope is malformed (RFC 6749 §3.3
// scope-token), with `ok` false.
std::string normalize_user_scope(std::string_view text, bool& ok);

}  // namespace mcpgate::authserver
