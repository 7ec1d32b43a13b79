// The authorization code grant (RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 8707 §2.2).
#include "authserver/federated_user.hpp"
#include "authserver/pkce.hpp"
#include "authserver/scope_text.hpp"
#include "authserver/server_impl.hpp"
#include "core/secret.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace {

class AuthorizationCodeGrant final : public Grant {
 public:
  std::string_view type() const override { return "authorization_code"; }
  [[nodiscard]] OAuthResult<json::object> issue(AuthorizationServer::Impl& as, const Params& p,
                                                const AuthenticatedClient& client) const override {
    auto get = [&](std::string_view k) {
      auto it = p.find(k);
      return it == p.end() ? std::string() : it->second;
    };
    auto code = get("code");
    auto verifier = get("code_verifier");
    auto redirect_uri = get("redirect_uri");
    auto resource = get("resource");
    if (code.empty()) return oauth_error(OAuthError::invalid_request, "code is required");
    if (verifier.empty()) return oauth_error(OAuthError::invalid_request, "code_verifier is required (PKCE)");
    if (!pkce_text(verifier)) return oauth_error(OAuthError::invalid_grant, "code_verifier is malformed");
    if (redirect_uri.empty()) return oauth_error(OAuthError::invalid_request, "redirect_uri is required");
    auto family = as.random_.token(18);
    bool refresh = contains(client.client.grant_types, "refresh_token");
    auto refresh_token = as.random_.token(32);
    auto t = as.now();
    std::optional<RefreshToken> rt;
    if (refresh)
      rt = RefreshToken{sha256_hex(refresh_token), family, {}, {}, {}, {}, t + as.opt_.refresh_token_ttl.count()};
    auto jti = as.random_.token(18);
    IssuedToken issued{jti, family, t + as.opt_.access_token_ttl.count()};
    auto check = [&](const AuthorizationCode& c) {
      // The code is bound to the client, the exact redirect URI, the PKCE challenge and the resource.
      return c.client_id == client.client.client_id && c.redirect_uri == redirect_uri &&
             constant_time_equal(sha256_b64url(verifier), c.code_challenge) &&
             (resource.empty() || resource == c.resource);
    };
    auto redeemed = as.store_->redeem_code(sha256_hex(code), t, check, family, rt, issued);
    if (!redeemed) {
      switch (redeemed.error()) {
        case RedeemError::already_redeemed:
          as.announce(as.reload_revocations(), t + as.opt_.access_token_ttl.count());
          return oauth_error(OAuthError::invalid_grant,
                             "the authorization code was already used; tokens issued from it are revoked");
        case RedeemError::expired:
          return oauth_error(OAuthError::invalid_grant, "the authorization code has expired");
        case RedeemError::mismatch:
          return oauth_error(OAuthError::invalid_grant,
                             "client, redirect_uri, code_verifier or resource does not match the code");
        case RedeemError::storage:
          return oauth_error(OAuthError::server_error, "storage failure");
        case RedeemError::not_found:
          break;
      }
      return oauth_error(OAuthError::invalid_grant, "the authorization code is invalid");
    }
    auto& c = *redeemed;
    json::object extra{{"auth_time", c.auth_time}};
    // A user federated from an upstream provider: the claims copied at sign-in (groups, …), so that
    // policy rules on claims see them. Fail closed: without them a deny rule on a claim would not match.
    auto user = as.store_->get_user(c.subject);
    if (!user) return oauth_error(OAuthError::server_error, "storage failure");
    if (*user)
      for (auto& kv : copied_claims(**user)) extra[kv.key()] = kv.value();
    auto at = as.mint_with_jti(c.subject, c.client_id, c.resource, c.scope, jti, extra);
    if (!at) return oauth_error(OAuthError::server_error, "could not sign the token");
    return as.token_body(*at, c.scope, refresh ? refresh_token : std::string());
  }
};

}  // namespace

std::unique_ptr<const Grant> authorization_code_grant() {
  return std::make_unique<AuthorizationCodeGrant>();
}

}  // namespace mcpgate::authserver
