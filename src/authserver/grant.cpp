#include "authserver/grant.hpp"

namespace mcpgate::authserver {

std::vector<std::unique_ptr<const Grant>> make_grants() {
  std::vector<std::unique_ptr<const Grant>> out;
  out.push_back(authorization_code_grant());
  out.push_back(refresh_token_grant());
  out.push_back(client_credentials_grant());
  out.push_back(token_exchange_grant());
  out.push_back(jwt_bearer_grant());
  return out;
}

}  // namespace mcpgate::authserver
