// Re-checking a federated user at the upstream provider when mcpgate's refresh token is used
// (recheck_on_refresh): the provider's refresh token, kept sealed since the sign-in, is redeemed
// at its token endpoint. A provider that refuses it (the account disabled or deleted, the grant
// revoked) ends the user's grant here too; a provider that cannot be asked gets no token issued
// (fail closed) but costs the user nothing: the refresh can be retried.
#include <functional>

#include "authserver/federated_user.hpp"
#include "authserver/server_impl.hpp"
#include "core/log.hpp"

namespace mcpgate::authserver {

Result<void> AuthorizationServer::Impl::keep_provider_token(const std::string& subject, const Secret& refresh_token) {
  if (!sealer_) return fail("no token encryption key");
  // Bound to the user's record: a sealed value moved onto another user's row does not open.
  auto sealed = sealer_->seal(refresh_token.reveal(), subject);
  if (!sealed) return unexpected<Error>(sealed.error());
  return store_->put_provider_token({subject, std::move(*sealed), now()});
}

std::optional<OAuthFailure> AuthorizationServer::Impl::recheck_at_provider(const RefreshToken& grant) {
  // issuer#user: the provider is the part before the first '#' (an issuer has no fragment).
  auto hash = grant.subject.find('#');
  if (hash == std::string::npos || !sealer_) return std::nullopt;
  UpstreamIdpClient* idp = nullptr;
  for (auto& c : upstream_idps_)
    if (c->options().recheck_on_refresh && c->options().issuer == std::string_view(grant.subject).substr(0, hash))
      idp = c.get();
  if (!idp) return std::nullopt;

  SignInEvent event{idp->options().issuer, grant.subject, grant.client_id, false, {}};
  auto t = now();
  auto refuse = [&](std::string reason, std::string description) {
    // The grant ends here: its refresh tokens and the access tokens issued from it.
    if (store_->revoke_family(grant.family_id, t)) announce(reload_revocations(), t + opt_.access_token_ttl.count());
    event.reason = std::move(reason);
    if (audit_) audit_(event);
    return OAuthFailure{OAuthError::invalid_grant, std::move(description), false, 0};
  };
  // Two refreshes of the same user at once would redeem the same provider token twice; a
  // provider that rotates refresh tokens reads the second as replay and revokes its grant.
  std::lock_guard lock(recheck_mu_[std::hash<std::string>{}(grant.subject) % recheck_mu_.size()]);
  auto kept = store_->get_provider_token(grant.subject);
  if (!kept) return OAuthFailure{OAuthError::server_error, "storage failure", false, 0};
  // Signed in before re-checking was turned on, or the record is gone: nothing to re-check with.
  if (!*kept) return refuse("provider_token_missing", "sign in again: the identity provider must confirm the account");
  if (idp->options().recheck_interval.count() > 0 && (*kept)->checked_at + idp->options().recheck_interval.count() > t)
    return std::nullopt;
  auto rt = sealer_->open((*kept)->sealed, grant.subject);
  if (!rt) {
    // Altered in the database, or the key was changed: the user signs in again.
    log::error("authorization server: provider refresh token of a federated user: " + rt.error().message);
    return refuse("provider_token_unreadable", "sign in again: the identity provider must confirm the account");
  }
  auto answer = idp->refresh(rt->reveal());
  if (!answer) {
    if (answer.error().error == ProviderError::refused) {
      log::info("authorization server: identity provider " + idp->options().issuer +
                " refused a user's refresh token (" + answer.error().detail + "); the grant is revoked");
      return refuse("provider_refused_refresh", "the identity provider no longer accepts this account");
    }
    log::warn("authorization server: identity provider " + idp->options().issuer + ": " + answer.error().detail);
    event.reason = "provider_unavailable_refresh";
    if (audit_) audit_(event);
    return OAuthFailure{OAuthError::temporarily_unavailable, "the identity provider cannot be reached", false, 0};
  }
  // A rotated provider token replaces the spent one; otherwise the same one, checked now.
  Result<void> stored = answer->refresh_token.empty() ? store_->put_provider_token({grant.subject, (*kept)->sealed, t})
                                                      : keep_provider_token(grant.subject, answer->refresh_token);
  if (!stored) {
    log::error("authorization server: provider refresh token not stored: " + stored.error().message);
    return OAuthFailure{OAuthError::server_error, "storage failure", false, 0};
  }
  return std::nullopt;
}

}  // namespace mcpgate::authserver
