// The refresh token grant (RFC 6749 §6), with rotation and reuse detection (OAuth 2.1 §4.3.1).
#include "authserver/federated_user.hpp"
#include "authserver/scope_text.hpp"
#include "authserver/server_impl.hpp"
#include "authserver/user_scopes.hpp"
#include "core/secret.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace {

class RefreshTokenGrant final : public Grant {
 public:
  std::string_view type() const override { return "refresh_token"; }
  [[nodiscard]] OAuthResult<json::object> issue(AuthorizationServer::Impl& as, const Params& p,
                                                const AuthenticatedClient& client) const override {
    auto it = p.find("refresh_token");
    if (it == p.end()) return oauth_error(OAuthError::invalid_request, "refresh_token is required");
    auto hash = sha256_hex(it->second);
    auto t = as.now();
    auto current = as.store_->get_refresh(hash, t);
    if (!current) return oauth_error(OAuthError::server_error, "storage failure");
    std::string scope;
    if (*current) {
      // A refresh may narrow the scope, never widen it (RFC 6749 §6); the resource is fixed.
      scope = (*current)->scope;
      if (auto s = p.find("scope"); s != p.end()) {
        auto granted = split_scope((*current)->scope);
        for (auto& w : split_scope(s->second))
          if (!contains(granted, w)) return oauth_error(OAuthError::invalid_scope, "scope exceeds the original grant");
        scope = join_scope(split_scope(s->second));
      }
      if (auto r = p.find("resource"); r != p.end() && r->second != (*current)->resource)
        return oauth_error(OAuthError::invalid_target, "resource does not match the grant");
      // A federated user disabled at the provider keeps nothing (recheck_on_refresh). Before the
      // rotation, so that a provider outage leaves the presented token valid for a retry. Only for
      // the client the token belongs to: another client's presentation is refused by the
      // rotation below without costing the user a provider call or the grant.
      if ((*current)->client_id == client.client.client_id)
        if (auto refused = as.recheck_at_provider(**current)) return unexpected<OAuthFailure>(std::move(*refused));
    }
    auto next_token = as.random_.token(32);
    auto jti = as.random_.token(18);
    RefreshToken next{sha256_hex(next_token), {}, {}, {}, {}, {}, t + as.opt_.refresh_token_ttl.count()};
    auto rotated = as.store_->rotate_refresh(hash, client.client.client_id, t, next,
                                             IssuedToken{jti, {}, t + as.opt_.access_token_ttl.count()});
    if (!rotated) {
      switch (rotated.error()) {
        case RefreshError::reused:
          as.announce(as.reload_revocations(), t + as.opt_.access_token_ttl.count());
          return oauth_error(OAuthError::invalid_grant, "refresh token reuse detected; the grant is revoked");
        case RefreshError::storage:
          return oauth_error(OAuthError::server_error, "storage failure");
        default:
          return oauth_error(OAuthError::invalid_grant, "the refresh token is invalid, expired or revoked");
      }
    }
    if (!*current) {
      scope = rotated->scope;  // raced with another rotation that then failed; be exact
      if (auto refused = as.recheck_at_provider(*rotated)) return unexpected<OAuthFailure>(std::move(*refused));
    }
    // The user's allowed scopes may have shrunk since the grant (an administrator took a scope
    // away): a refreshed token never carries a scope the user may no longer have.
    // After the rotation, which names the subject even when get_refresh raced; a refusal leaves
    // the successor unused in the store, which is harmless. Fail closed: scopes that could not be
    // read cannot be applied, so no token.
    auto u = as.store_->get_user(rotated->subject);
    if (!u) return oauth_error(OAuthError::server_error, "storage failure");
    // A user removed by an administrator keeps no access through a refresh token issued before.
    if (!*u) return oauth_error(OAuthError::invalid_grant, "the user no longer exists");
    if (!(*u)->scope.empty()) scope = join_scope(grant_for_user(split_scope(scope), (*u)->scope).granted);
    // A federated user's claims as copied at the last sign-in at the provider.
    auto at = as.mint_with_jti(rotated->subject, rotated->client_id, rotated->resource, scope, jti, copied_claims(**u));
    if (!at) return oauth_error(OAuthError::server_error, "could not sign the token");
    return as.token_body(*at, scope, next_token);
  }
};

}  // namespace

std::unique_ptr<const Grant> refresh_token_grant() {
  return std::make_unique<RefreshTokenGrant>();
}

}  // namespace mcpgate::authserver
