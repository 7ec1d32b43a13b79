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
    // Nothing left to resume; if the state store cannot be reached the request just expires.
    if (auto taken = login_state_->take_pending(request_id, now()); !taken)
      log::warn("authorization server: login state not cleared (it expires on its own): " + taken.error().message);
    return federated_refusal(
        req, {client.options().issuer, {}, p.client.client_id, false, std::string(name(url.error().error))},
        http::status::bad_gateway, "The identity provider cannot be reached. Try again later from the application.");
  }
  {
    // In this process (see docs/deployment.md): the provider's answer must come back to the
    // replica that sent the browser there. Bounded: unauthenticated requests create entries.
    std::lock_guard lock(mu_);
    if (federated_.size() >= kMaxFederatedLogins) {
      auto t = now();
      std::erase_if(federated_, [&](auto& kv) { return kv.second.expires_at <= t; });
      if (federated_.size() >= kMaxFederatedLogins) federated_.erase(federated_.begin());
    }
    federated_.insert_or_assign(state, std::move(fl));
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
  auto p = login_state_->get_pending(rid->second, now());
  if (!p) return login_state_unavailable(req, p.error());
  // The pending request belongs to the browser that started it (its session cookie).
  auto sid = session_cookie(req);
  if (!*p || sid.empty() || (*p)->session_id != sid) return bad();
  return federated_start(req, rid->second, **p, idp);
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
  }
  if (known) {
    // The pending authorization is consumed here (atomically, whichever replica holds it):
    // success goes on with this copy, and a failure leaves nothing to resume (no half-signed-in
    // request).
    auto taken = login_state_->take_pending(fl.request_id, now());
    if (!taken) return login_state_unavailable(req, taken.error());
    if (*taken && (*taken)->session_id == fl.session_id) pending = std::move(**taken);
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
  auto token = idp.validate(id_token->id_token, fl.nonce, now());
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
  if (idp.options().recheck_on_refresh) {
    // Fail closed: without the provider's refresh token the account cannot be re-checked at
    // refresh, so no refresh token of ours may outlive a disable at the provider.
    if (id_token->refresh_token.empty())
      return refuse("provider_no_refresh_token", http::status::forbidden,
                    "The identity provider did not grant offline access, which this service requires. Contact "
                    "your administrator.");
    if (auto r = keep_provider_token(username, id_token->refresh_token); !r) {
      log::error("authorization server: federated sign-in failed on storage: " + r.error().message);
      return refuse("storage", http::status::internal_server_error, "The sign-in could not be recorded. Try again.");
    }
  }
  remember_id_token(username, id_token->id_token);
  event.allowed = true;
  event.reason = "signed_in";
  if (audit_) audit_(event);
  return signed_in(req, fl.request_id, std::move(*pending), fl.session_id, username);
}

Response AuthorizationServer::Impl::signed_in(const Request& req, const std::string& request_id, Pending pending,
                                              const std::string& old_session, const std::string& username) {
  // Session fixation: a new session id (and CSRF token) at the moment of authentication. In this
  // order (as for the password form), so that a failure part-way leaves nobody signed in under an
  // id the browser holds.
  auto sid = random_.token(32);
  auto ts = now();
  Session s{random_.token(24), username, ts, ts + opt_.login_session_ttl.count()};
  pending.session_id = sid;
  auto moved = [&]() -> Result<void> {
    if (auto r = login_state_->erase_session(old_session); !r) return r;
    return login_state_->put_session(sid, s, ts);
  }();
  if (!moved) return login_state_unavailable(req, moved.error());
  Response out;
  if (auto refused = restrict_to_user(req, pending, username)) {
    out = std::move(*refused);
    out.set(http::field::set_cookie, cookie_value(sid));
    return out;
  }
  // A store error reads as "no remembered consent": the user is asked, nothing is granted unseen.
  auto consent = store_->has_consent(username, pending.client.client_id, pending.resource, join_scope(pending.scopes));
  if (!pending.force_consent && consent && *consent) {
    // The request was taken by the callback: nobody else can decide it.
    out = issue_code(req, pending, s);
  } else {
    // The consent form reads it back: under the new session, with the narrowed scopes.
    if (auto r = login_state_->put_pending(request_id, pending, ts); !r) return login_state_unavailable(req, r.error());
    out = consent_page(req, request_id, pending, s);
  }
  out.set(http::field::set_cookie, cookie_value(sid));
  return out;
}

}  // namespace mcpgate::authserver
