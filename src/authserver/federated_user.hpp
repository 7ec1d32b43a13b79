#pragma once
// A user who signs in at an upstream OpenID Connect provider: named `issuer#user` (a fragment is
// never part of an issuer, so the split is unambiguous and no two providers' users collide), and
// stored as a user record without a password. The record's password column holds a marker and
// the provider claims copied at the last sign-in: no Argon2 verification ever accepts it, so the
// password form cannot sign a federated user in, and the claims need no column of their own.
#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "authserver/store.hpp"

namespace mcpgate::authserver {

inline constexpr std::string_view kFederatedMarker = "federated:";

[[nodiscard]] std::string federated_username(std::string_view issuer, std::string_view user);
[[nodiscard]] bool is_federated(const UserRecord& u);
// What goes in the password column: the marker and the copied claims.
[[nodiscard]] std::string federated_password_column(const boost::json::object& claims);
// The claims copied at the last sign-in, for mcpgate's access tokens; empty for a local user.
[[nodiscard]] boost::json::object copied_claims(const UserRecord& u);

// Claims that mcpgate's own tokens define or that the gateway reads as authorization (scope, scp):
// a provider may not set them through the copy (a provider-side `scope` granting MCP scopes).
[[nodiscard]] bool reserved_claim(std::string_view name);

}  // namespace mcpgate::authserver
