// Sign-in at an upstream OpenID Connect provider (federation): the authorization request sent
// there (code + PKCE S256 + state + nonce, bound to this browser and to the pending MCP
// authorization), its callback, the code redeemed, the ID token validated, and only then the
// user signed in here. MCP clients never see the provider: they get mcpgate's codes and tokens.
#include <charconv>

#include "authserver/federated_user.hpp"
#include "authserver/pages.hpp"
#include "authserver/pkce.hpp"
#include "authserver/scope_text.hpp"
#include "authserver/server_impl.hpp"
#include "core/log.hpp"
#include "core/secret.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Request;
using net::Response;

net::awaitable<Response> AuthorizationServer::Impl::sign_in_page(const Request& req, const std::string& request_id,
                                                                 const Pending& p, const Session& s) {
  if (upstream_idps_.empty()) co_return login_page(req, request_id, p, s, "", "");
  if (upstream_idps_.size() > 1) {
    IdpChoicePage page{p.client.client_name.empty() ? p.client.client_id : p.client.client_name, {}};
    for (std::size_t i = 0; i < upstream_idps_.size(); ++i) {
      auto& o = upstream_idps_[i]->options();
      page.providers.emplace_back(
          o.name.empty() ? o.issuer : o.name,
          prefix_ + "/authorize/idp?request_id=" + percent_encode(request_id) + "&idp=" + std::to_string(i));
    }
    co_return html(req, http::status::ok, [&](std::string_view n) { return render_idp_choice(page, n); });
  }
  // Discovery may fetch: on the pool.
  Response r = co_await pool_.run([&] { return federated_start(req, request_id, p, 0); });
  co_return r;
}

// On the pool (discovery).
Response AuthorizationServer::Impl::federated_start(const Request& req, const std::string& request_id, const Pending& p,
                                                    std::size_t idp) {
  auto& client = *upstream_idps_.at(idp);
  FederatedLogin fl{request_id,        p.session_id,      idp,
                    random_.token(32), random_.token(32), now() + opt_.pending_request_ttl.count()};
  auto state = random_.token(32);
  auto url =
      client.authorization_url({endpoint("/idp/callback"), state, fl.nonce, sha256_b64url(fl.verifier), p.resource});
  if (!url) {
    log::warn("authorization server: identity provider " + client.options().issuer + ": " + url.error().detail);
    {
      std::lock_guard lock(mu_);
      pending_.erase(request_id);
    }
    return federated_refusal(
        req, {client.options().issuer, {}, p.client.client_id, false, std::string(name(url.error().error))},
        http::status::bad_gateway, "The identity provider cannot be reached. Try again later from the application.");
  }
  {
    std::lock_guard lock(mu_);
    bound_insert(federated_, state, std::move(fl));
  }
  return redirect(req, *url, http::status::found);
}

// On the pool. GET …/authorize/idp?request_id=…&idp=N: the provider chosen on the choice page.
Response AuthorizationServer::Impl::federated_choice(const Request& req, std::string_view query) {
  auto params = parse_form(query);
  auto bad = [&] {
    return error_page(req, http::status::bad_request, "Request refused",
                      "This sign-in link is not valid here. Start again from the application.");
  };
  if (!params) return bad();
  auto rid = params->find("request_id");
  auto which = params->find("idp");
  if (rid == params->end() || which == params->end()) return bad();
  std::size_t idp = 0;
  auto& w = which->second;
  auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), idp);
  if (ec != std::errc() || end != w.data() + w.size() || idp >= upstream_idps_.size()) return bad();
  Pending p;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(rid->second);
    // The pending request belongs to the browser that started it (its session cookie).
    auto sid = session_cookie(req);
    if (it == pending_.end() || it->second.expires_at <= now() || sid.empty() || it->second.session_id != sid)
      return bad();
    p = it->second;
  }
  return federated_start(req, rid->second, p, idp);
}

Response AuthorizationServer::Impl::federated_refusal(const Request& req, const SignInEvent& event, http::status status,
                                                      std::string_view message) {
  if (audit_) audit_(event);
  return error_page(req, status, "Sign-in failed", message);
}

// On the pool: the token endpoint, the key set and storage. GET …/idp/callback?code=…&state=…
Response AuthorizationServer::Impl::federated_callback(const Request& req, std::string_view query) {
  SignInEvent event;
  auto refuse = [&](std::string reason, http::status status, std::string_view message) {
    event.allowed = false;
    event.reason = std::move(reason);
    return federated_refusal(req, event, status, message);
  };
  auto params = parse_form(query);
  if (!params) return refuse("malformed_callback", http::status::bad_request, "The sign-in answer could not be read.");
  auto get = [&](std::string_view k) {
    auto it = params->find(k);
    return it == params->end() ? std::string() : it->second;
  };
  auto state = get("state");
  FederatedLogin fl;
  std::optional<Pending> pending;
  bool known = false;
  {
    std::lock_guard lock(mu_);
    auto it = state.empty() ? federated_.end() : federated_.find(state);
    if (it != federated_.end() && it->second.expires_at > now()) {
      fl = std::move(it->second);
      known = true;
    }
    // Single use, whatever follows: a replayed callback (the same state, code and nonce again)
    // finds nothing.
    if (it != federated_.end()) federated_.erase(it);
    if (known) {
      auto p = pending_.find(fl.request_id);
      if (p != pending_.end() && p->second.expires_at > now() && p->second.session_id == fl.session_id)
        pending = p->second;
      // The pending authorization is consumed here: success goes on with this copy, and a
      // failure leaves nothing to resume (no half-signed-in request).
      if (p != pending_.end()) pending_.erase(p);
    }
  }
  if (!known)
    return refuse("state_unknown", http::status::bad_request,
                  "This sign-in is unknown, has expired or was already completed. Start again from the application.");
  auto& idp = *upstream_idps_.at(fl.idp);
  event.provider = idp.options().issuer;
  // Login CSRF: the answer must come back to the browser that was sent to the provider; otherwise
  // an attacker's own sign-in could be completed in a victim's browser.
  auto sid = session_cookie(req);
  if (sid.empty() || !constant_time_equal(sid, fl.session_id))
    return refuse("session_mismatch", http::status::forbidden,
                  "This sign-in was started in another browser session. Start again from the application.");
  if (!pending)
    return refuse("authorization_expired", http::status::bad_request,
                  "This authorization request has expired. Start again from the application.");
  event.client_id = pending->client.client_id;
  // RFC 9207 (mix-up): an `iss` in the answer must be this provider; a provider that promises it
  // must send it.
  auto iss = get("iss");
  if ((!iss.empty() && iss != idp.options().issuer) || (iss.empty() && idp.metadata() && idp.metadata()->iss_parameter))
    return refuse("wrong_issuer", http::status::bad_request, "The sign-in answer came from another provider.");
  if (auto error = get("error"); !error.empty()) {
    // Only a plain OAuth error code goes into the page and the audit record.
    bool plain = error.size() <= 64;
    for (char c : error) plain = plain && ((c >= 'a' && c <= 'z') || c == '_');
    return refuse("provider_" + (plain ? error : std::string("error")), http::status::forbidden,
                  "The identity provider did not sign you in (" + (plain ? error : std::string("error")) +
                      "). Start again from the application.");
  }
  auto code = get("code");
  if (code.empty()) return refuse("no_code", http::status::bad_request, "The sign-in answer carries no code.");
  auto id_token = idp.redeem(code, endpoint("/idp/callback"), fl.verifier, pending->resource);
  if (!id_token) {
    log::warn("authorization server: identity provider " + idp.options().issuer + ": " + id_token.error().detail);
    bool down = id_token.error().error == ProviderError::unavailable;
    return refuse(std::string(name(id_token.error().error)), down ? http::status::bad_gateway : http::status::forbidden,
                  down ? "The identity provider cannot be reached. Try again later from the application."
                       : "The identity provider refused to complete the sign-in. Start again from the application.");
  }
  auto token = idp.validate(*id_token, fl.nonce, now());
  if (!token) {
    log::warn("authorization server: identity provider " + idp.options().issuer +
              ": ID token refused: " + std::string(describe(token.error())));
    return refuse(std::string(name(token.error())), http::status::forbidden,
                  std::string(describe(token.error())) + ". Start again from the application.");
  }
  // The claims mcpgate's tokens carry for policy rules. An overage (a provider that moved the
  // claim elsewhere, `_claim_names`/`_claim_sources`, as Entra ID does with many groups) is not
  // guessed at: the claim is left out, so a rule that needs it does not match.
  json::object copied;
  auto* names = token->claims.if_contains("_claim_names");
  for (auto& c : idp.options().claims) {
    if (names && names->is_object() && names->as_object().contains(c)) {
      log::warn("authorization server: identity provider " + idp.options().issuer + ": claim " + c +
                " is an overage reference (_claim_names); not copied");
      continue;
    }
    if (auto* v = token->claims.if_contains(c)) copied[c] = *v;
  }
  auto username = federated_username(idp.options().issuer, token->user);
  event.user = username;
  auto existing = store_->get_user(username);
  if (!existing) {
    log::error("authorization server: federated sign-in failed on storage: " + existing.error().message);
    return refuse("storage", http::status::internal_server_error, "The sign-in could not be recorded. Try again.");
  }
  // A local (password) account that happens to bear this name is never taken over by a provider.
  if (*existing && !is_federated(**existing))
    return refuse("local_account_conflict", http::status::forbidden,
                  "This account cannot sign in through the identity provider.");
  UserRecord u{username, federated_password_column(copied), *existing ? (*existing)->created_at : now(),
               *existing ? (*existing)->scope : std::string()};
  if (auto r = store_->put_user(u); !r) {
    log::error("authorization server: federated sign-in failed on storage: " + r.error().message);
    return refuse("storage", http::status::internal_server_error, "The sign-in could not be recorded. Try again.");
  }
  event.allowed = true;
  event.reason = "signed_in";
  if (audit_) audit_(event);
  {
    // signed_in() finds the request where the password form would have left it.
    std::lock_guard lock(mu_);
    bound_insert(pending_, fl.request_id, *pending);
  }
  return signed_in(req, fl.request_id, std::move(*pending), fl.session_id, username);
}

Response AuthorizationServer::Impl::signed_in(const Request& req, const std::string& request_id, Pending pending,
                                              const std::string& old_session, const std::string& username) {
  // Session fixation: a new session id (and CSRF token) at the moment of authentication.
  auto sid = random_.token(32);
  Session s{random_.token(24), username, now(), now() + opt_.login_session_ttl.count()};
  {
    std::lock_guard lock(mu_);
    sessions_.erase(old_session);
    bound_insert(sessions_, sid, s);
    if (auto p = pending_.find(request_id); p != pending_.end()) p->second.session_id = sid;
  }
  pending.session_id = sid;
  Response out;
  if (auto refused = restrict_to_user(req, pending, username)) {
    std::lock_guard lock(mu_);
    pending_.erase(request_id);
    out = std::move(*refused);
    out.set(http::field::set_cookie, cookie_value(sid));
    return out;
  }
  {
    std::lock_guard lock(mu_);
    if (auto p = pending_.find(request_id); p != pending_.end()) {
      p->second.scopes = pending.scopes;
      p->second.withheld = pending.withheld;
    }
  }
  // A store error reads as "no remembered consent": the user is asked, nothing is granted unseen.
  auto consent = store_->has_consent(username, pending.client.client_id, pending.resource, join_scope(pending.scopes));
  if (!pending.force_consent && consent && *consent) {
    {
      std::lock_guard lock(mu_);
      pending_.erase(request_id);
    }
    out = issue_code(req, pending, s);
  } else {
    out = consent_page(req, request_id, pending, s);
  }
  out.set(http::field::set_cookie, cookie_value(sid));
  return out;
}

}  // namespace mcpgate::authserver
