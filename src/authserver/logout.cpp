// Sign-out at the authorization server: every grant of the signed-in user is revoked (refresh
// families and the access tokens issued from them, which the gateway then refuses), the browser
// session ends, and a federated user is sent on to the provider's end_session_endpoint (OpenID
// Connect RP-Initiated Logout 1.0) to end the session there too. GET only shows a confirmation;
// the sign-out itself is a POST carrying the session's CSRF token, so that a link, an image or
// another site's form cannot sign anyone out.
#include "authserver/federated_user.hpp"
#include "authserver/pages.hpp"
#include "authserver/server_impl.hpp"
#include "core/log.hpp"
#include "core/secret.hpp"

namespace mcpgate::authserver {
namespace http = boost::beast::http;
using net::Request;
using net::Response;

void AuthorizationServer::Impl::remember_id_token(const std::string& user, std::string id_token) {
  auto t = now();
  std::lock_guard lock(mu_);
  // Bounded: sign-ins are unauthenticated work up to the provider's answer.
  if (id_tokens_.size() >= kMaxFederatedLogins) {
    std::erase_if(id_tokens_, [&](auto& kv) { return kv.second.second <= t; });
    if (id_tokens_.size() >= kMaxFederatedLogins) id_tokens_.erase(id_tokens_.begin());
  }
  id_tokens_.insert_or_assign(user, std::pair{std::move(id_token), t + opt_.login_session_ttl.count()});
}

Response AuthorizationServer::Impl::logout_page(const Request& req) {
  auto sid = session_cookie(req);
  if (sid.empty()) return error_page(req, http::status::ok, "Signed out", "You are not signed in here.");
  auto s = login_state_->get_session(sid, now());
  if (!s) return login_state_unavailable(req, s.error());
  if (!*s || (*s)->user.empty()) return error_page(req, http::status::ok, "Signed out", "You are not signed in here.");
  return html(req, http::status::ok,
              [&](std::string_view n) { return render_logout((*s)->user, prefix_ + "/logout", (*s)->csrf, n); });
}

Response AuthorizationServer::Impl::logout_post(const Request& req) {
  auto params = parse_form(form_body(req));
  auto sid = session_cookie(req);
  auto t = now();
  if (!params || sid.empty())
    return error_page(req, http::status::bad_request, "Sign-out refused", "You are not signed in here.");
  auto s = login_state_->get_session(sid, t);
  if (!s) return login_state_unavailable(req, s.error());
  if (!*s || (*s)->user.empty())
    return error_page(req, http::status::bad_request, "Sign-out refused", "You are not signed in here.");
  // Logout CSRF: only the form this session was shown carries its token.
  auto csrf = params->find("csrf_token");
  if (csrf == params->end() || !constant_time_equal(csrf->second, (*s)->csrf))
    return error_page(req, http::status::forbidden, "Sign-out refused", "Open the sign-out page and try again.");
  const std::string user = (*s)->user;
  // The tokens first: a failure leaves the user signed in and told so, never half signed out.
  if (auto r = store_->revoke_user_grants(user, t); !r) {
    log::error("authorization server: sign-out failed on storage: " + r.error().message);
    return error_page(req, http::status::internal_server_error, "Sign-out failed",
                      "Your sign-out could not be recorded. Try again.");
  }
  announce(reload_revocations(), t + opt_.access_token_ttl.count());
  if (auto r = login_state_->erase_session(sid); !r) return login_state_unavailable(req, r.error());
  std::string id_token;
  {
    std::lock_guard lock(mu_);
    if (auto it = id_tokens_.find(user); it != id_tokens_.end()) {
      if (it->second.second > t) id_token = std::move(it->second.first);
      id_tokens_.erase(it);
    }
  }
  UpstreamIdpClient* idp = nullptr;
  if (auto hash = user.find('#'); hash != std::string::npos)
    for (auto& c : upstream_idps_)
      if (c->options().issuer == std::string_view(user).substr(0, hash)) idp = c.get();
  if (audit_) audit_({idp ? idp->options().issuer : std::string(), user, {}, true, "signed_out"});

  Response out;
  auto meta = idp ? idp->metadata() : unexpected<ProviderFailure>(ProviderFailure{ProviderError::misconfigured, {}});
  if (meta && !meta->end_session_endpoint.empty()) {
    auto& e = meta->end_session_endpoint;
    std::string url =
        e + (e.find('?') == std::string::npos ? "?" : "&") + "client_id=" + percent_encode(idp->options().client_id);
    if (!id_token.empty()) url += "&id_token_hint=" + percent_encode(id_token);
    if (auto& p = idp->options().post_logout_redirect_uri; !p.empty())
      url += "&post_logout_redirect_uri=" + percent_encode(p);
    out = redirect(req, url, http::status::see_other);
  } else {
    out = error_page(req, http::status::ok, "Signed out",
                     "You are signed out, and the applications you authorized with this account no longer have "
                     "access. They will ask you to sign in again.");
  }
  out.set(http::field::set_cookie, cookie_value("") + "; Max-Age=0");
  return out;
}

}  // namespace mcpgate::authserver
