#pragma once
// How the stores write the records' enumerations and lists into their columns, and read them
// back: one encoding for SQLite and PostgreSQL, so that an export from one reads in the other;
// and the rows both write when a code is redeemed.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authserver/store.hpp"

namespace mcpgate::authserver {

ClientKind kind_from(std::string_view s);  // kind_name (store.hpp) is the other way
std::string to_json_array(const std::vector<std::string>& v);
// Our own column, written by to_json_array: anything else reads as an empty list.
std::vector<std::string> from_json_array(std::string_view text);
const char* state_name(KeyRecord::State s);
KeyRecord::State state_from(std::string_view s);

// The rows of the grant a redeemed code starts: the refresh token (if any) and the access token,
// in family `family_id`, with the grant's facts (client, subject, resource, scope) taken from the
// code itself as read in the redeeming transaction, never from the caller.
struct GrantRows {
  std::optional<RefreshToken> refresh;
  IssuedToken access;
};
GrantRows grant_rows(const AuthorizationCode& code, const std::string& family_id,
                     const std::optional<RefreshToken>& refresh, const IssuedToken& access);

}  // namespace mcpgate::authserver
