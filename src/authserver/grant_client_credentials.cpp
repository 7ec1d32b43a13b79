// The client credentials grant (RFC 6749 §4.4).
#include "authserver/scope_text.hpp"
#include "authserver/server_impl.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace {

class ClientCredentialsGrant final : public Grant {
 public:
  std::string_view type() const override { return "client_credentials"; }
  [[nodiscard]] OAuthResult<json::object> issue(AuthorizationServer::Impl& as, const Params& p,
                                                const AuthenticatedClient& client) const override {
    if (client.method == "none")
      return oauth_error(OAuthError::unauthorized_client, "client_credentials needs client authentication");
    auto res = as.target_resource(p);
    if (!res) return unexpected(res.error());
    auto client_scopes = split_scope(client.client.scope);
    auto scope =
        as.narrow_scope(p, **res, client_scopes, client_scopes.empty() ? (*res)->default_scopes : client_scopes);
    if (!scope) return unexpected(scope.error());
    auto at = as.mint_access_token(client.client.client_id, client.client.client_id, (*res)->resource, *scope);
    if (!at) return oauth_error(OAuthError::server_error, "could not sign the token");
    // Not recorded: a token outside any family is revoked (RFC 7009) from its own jti and exp and
    // introspected by its signature and the revocation set, so no record of it is needed for
    // either, and the answer need not wait for a commit (docs/authorization-server.md, "What
    // each write is durable for").
    return as.token_body(*at, *scope);
  }
};

}  // namespace

std::unique_ptr<const Grant> client_credentials_grant() {
  return std::make_unique<ClientCredentialsGrant>();
}

}  // namespace mcpgate::authserver
