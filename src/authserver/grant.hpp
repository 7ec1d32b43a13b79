#pragma once
// One grant type of the token endpoint (RFC 6749 §4). The token endpoint authenticates the
// client and checks that its registration allows the grant_type; a Grant then turns the request
// into a token response or an OAuth error. A new grant is one file: a class with these two
// members and its line in make_grants() (grant.cpp), which also lists it in the metadata.
#include <boost/json/object.hpp>
#include <memory>
#include <string_view>
#include <vector>

#include "authserver/authorization_server.hpp"
#include "authserver/form.hpp"
#include "authserver/oauth_error.hpp"

namespace mcpgate::authserver {

constexpr std::string_view kTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr std::string_view kJwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";

struct AuthenticatedClient;

class Grant {
 public:
  virtual ~Grant() = default;
  // The grant_type value, as the request sends it and the metadata lists it.
  [[nodiscard]] virtual std::string_view type() const = 0;
  // Runs on the blocking pool (storage and signing).
  [[nodiscard]] virtual OAuthResult<boost::json::object> issue(AuthorizationServer::Impl& as, const Params& params,
                                                               const AuthenticatedClient& client) const = 0;
};

// Every grant the token endpoint serves, in the order grant_types_supported lists them.
[[nodiscard]] std::vector<std::unique_ptr<const Grant>> make_grants();

[[nodiscard]] std::unique_ptr<const Grant> authorization_code_grant();  // RFC 6749 §4.1.3
[[nodiscard]] std::unique_ptr<const Grant> refresh_token_grant();       // RFC 6749 §6
[[nodiscard]] std::unique_ptr<const Grant> client_credentials_grant();  // RFC 6749 §4.4
[[nodiscard]] std::unique_ptr<const Grant> token_exchange_grant();      // RFC 8693
[[nodiscard]] std::unique_ptr<const Grant> jwt_bearer_grant();          // RFC 7523 §2.1 (ID-JAG)

}  // namespace mcpgate::authserver
