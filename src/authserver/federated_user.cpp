#include "authserver/federated_user.hpp"

#include <array>
#include <boost/json/serialize.hpp>

#include "core/json.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;

std::string federated_username(std::string_view issuer, std::string_view user) {
  return std::string(issuer) + "#" + std::string(user);
}

bool is_federated(const UserRecord& u) {
  return u.password_hash.starts_with(kFederatedMarker);
}

std::string federated_password_column(const json::object& claims) {
  return std::string(kFederatedMarker) + json::serialize(claims);
}

json::object copied_claims(const UserRecord& u) {
  if (!is_federated(u)) return {};
  auto v = parse_json(std::string_view(u.password_hash).substr(kFederatedMarker.size()), {16, 64 * 1024});
  if (!v || !v->is_object()) return {};
  json::object out;
  for (auto& kv : v->as_object())
    if (!reserved_claim(kv.key())) out[kv.key()] = kv.value();
  return out;
}

bool reserved_claim(std::string_view name) {
  static constexpr std::array<std::string_view, 16> kReserved{
      "iss",   "sub", "aud",       "exp", "nbf",     "iat", "jti", "client_id",
      "scope", "scp", "auth_time", "act", "may_act", "cnf", "azp", "nonce"};
  for (auto r : kReserved)
    if (r == name) return true;
  return name.starts_with("_claim");
}

}  // namespace mcpgate::authserver
