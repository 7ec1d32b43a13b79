// The token exchange grant (RFC 8693): an access token of this server for one to another of its resources.
#include "authserver/scope_text.hpp"
#include "authserver/server_impl.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace {
constexpr std::string_view kAccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
constexpr std::string_view kJwtTokenType = "urn:ietf:params:oauth:token-type:jwt";

class TokenExchangeGrant final : public Grant {
 public:
  std::string_view type() const override { return kTokenExchange; }
  [[nodiscard]] OAuthResult<json::object> issue(AuthorizationServer::Impl& as, const Params& p,
                                                const AuthenticatedClient& client) const override {
    if (client.method == "none")
      return oauth_error(OAuthError::unauthorized_client, "token exchange needs client authentication");
    auto st = p.find("subject_token");
    auto stt = p.find("subject_token_type");
    if (st == p.end() || stt == p.end())
      return oauth_error(OAuthError::invalid_request, "subject_token and subject_token_type are required");
    if (stt->second != kAccessTokenType && stt->second != kJwtTokenType)
      return oauth_error(OAuthError::invalid_request, "subject_token_type must be an access token");
    if (p.contains("actor_token")) return oauth_error(OAuthError::invalid_request, "actor_token is not supported");
    if (auto rt = p.find("requested_token_type"); rt != p.end() && rt->second != kAccessTokenType)
      return oauth_error(OAuthError::invalid_request, "only access tokens can be requested");
    auto subject = as.verify_own_token(st->second);
    if (!subject)
      return oauth_error(OAuthError::invalid_grant, "subject_token is not a valid access token of this server");
    auto res = as.target_resource(p);
    if (!res) return unexpected(res.error());
    auto subject_scopes = split_scope([&] {
      auto* s = subject->if_contains("scope");
      return s && s->is_string() ? std::string(s->as_string()) : std::string();
    }());
    // The new token can only carry scopes the subject token had (never an escalation), or, for a
    // resource with an exchange scope map (an upstream of the gateway), what the map grants for them.
    if (!(*res)->exchange_scopes.empty()) {
      std::vector<std::string> mapped;
      for (auto& s : subject_scopes)
        if (auto it = (*res)->exchange_scopes.find(s); it != (*res)->exchange_scopes.end())
          for (auto& m : it->second)
            if (!contains(mapped, m)) mapped.push_back(m);
      subject_scopes = std::move(mapped);
    }
    auto scope = as.narrow_scope(p, **res, subject_scopes.empty() ? std::vector<std::string>{"\x01"} : subject_scopes,
                                 subject_scopes);
    if (!scope) return unexpected(scope.error());
    // RFC 8693 §4.1: the current actor is the exchanging client; earlier actors nest inside.
    json::object act{{"sub", client.client.client_id}};
    if (auto* prior = subject->if_contains("act")) act["act"] = *prior;
    auto* sub = subject->if_contains("sub");
    std::string sub_s = sub && sub->is_string() ? std::string(sub->as_string()) : std::string();
    auto at =
        as.mint_access_token(sub_s, client.client.client_id, (*res)->resource, *scope, json::object{{"act", act}});
    if (!at) return oauth_error(OAuthError::server_error, "could not sign the token");
    // Not recorded, as in client_credentials_grant.
    auto body = as.token_body(*at, *scope);
    body["issued_token_type"] = kAccessTokenType;
    return body;
  }
};

}  // namespace

std::unique_ptr<const Grant> token_exchange_grant() {
  return std::make_unique<TokenExchangeGrant>();
}

}  // namespace mcpgate::authserver
