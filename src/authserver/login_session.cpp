// The browser sign-in session: its cookie, the login page and its form post (local passwords),
// and the CSRF check of the pages' forms.

#include "authserver/pages.hpp"
#include "authserver/password.hpp"
#include "authserver/scope_text.hpp"
#include "authserver/server_impl.hpp"
#include "core/log.hpp"
#include "core/secret.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Exchange;
using net::Request;
using net::Response;
std::string AuthorizationServer::Impl::cookie_name() const {
  return secure_cookies_ ? "__Host-mcpgate-as" : "mcpgate-as";
}

std::string AuthorizationServer::Impl::cookie_value(std::string_view id) const {
  // __Host- pins the cookie to this origin, Path=/ and Secure. On plain-HTTP loopback
  // (development only) a browser would drop a Secure cookie, so both go.
  std::string v = cookie_name() + "=" + std::string(id) + "; Path=/; HttpOnly; SameSite=Lax";
  if (secure_cookies_) v += "; Secure";
  return v;
}

std::string AuthorizationServer::Impl::session_cookie(const Request& req) const {
  auto name = cookie_name();
  for (auto& f : req) {
    if (f.name() != http::field::cookie) continue;
    std::string_view s = f.value();
    while (!s.empty()) {
      auto semi = s.find(';');
      auto part = s.substr(0, semi);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      if (part.starts_with(name) && part.size() > name.size() && part[name.size()] == '=')
        return std::string(part.substr(name.size() + 1));
      if (semi == std::string_view::npos) break;
      s.remove_prefix(semi + 1);
    }
  }
  return {};
}

Response AuthorizationServer::Impl::login_page(const Request& req, const std::string& request_id, const Pending& p,
                                               const Session& s, std::string_view username, std::string_view error,
                                               http::status status) {
  LoginPage page{prefix_ + "/authorize/login",
                 request_id,
                 s.csrf,
                 p.client.client_name.empty() ? p.client.client_id : p.client.client_name,
                 std::string(username),
                 std::string(error)};
  return html(req, status, [&](std::string_view n) { return render_login(page, n); });
}

expected<FormContext, Response> AuthorizationServer::Impl::form_context(const Request& req) {
  auto bad = [&](std::string_view msg) {
    return unexpected<Response>(error_page(req, http::status::forbidden, "Request refused", msg));
  };
  auto params = parse_form(form_body(req));
  if (!params) return bad("The form could not be read.");
  FormContext ctx;
  ctx.params = std::move(*params);
  ctx.session_id = session_cookie(req);
  auto rid = ctx.params.find("request_id");
  auto csrf = ctx.params.find("csrf_token");
  if (rid == ctx.params.end() || csrf == ctx.params.end()) return bad("The form is incomplete.");
  ctx.request_id = rid->second;
  auto expired = [&] {
    return bad("Your sign-in session has expired or cookies are disabled. Start again from the application.");
  };
  if (ctx.session_id.empty()) return expired();
  auto t = now();
  auto s = login_state_->get_session(ctx.session_id, t);
  if (!s) return unexpected<Response>(login_state_unavailable(req, s.error()));
  login_state_ok();
  if (!*s) return expired();
  // CSRF: the token is bound to this browser's session cookie; a cross-site form cannot read it.
  if (!constant_time_equal((*s)->csrf, csrf->second)) return bad("The form is stale or was not sent by this page.");
  auto p = login_state_->get_pending(ctx.request_id, t);
  if (!p) return unexpected<Response>(login_state_unavailable(req, p.error()));
  if (!*p) return bad("This authorization request has expired. Start again from the application.");
  // A pending request belongs to the browser that started it.
  if ((*p)->session_id != ctx.session_id) return bad("This authorization request belongs to another session.");
  ctx.session = std::move(**s);
  ctx.pending = std::move(**p);
  return ctx;
}

// On the pool: Argon2 and storage.
Response AuthorizationServer::Impl::login_post(const Request& req, const std::string& ip) {
  // With federation the provider alone signs people in: a stale or crafted password form must not
  // open a second door the operator closed.
  if (!upstream_idps_.empty())
    return error_page(req, http::status::forbidden, "Request refused", "Sign in through the identity provider.");
  auto ctx = form_context(req);
  if (!ctx) return std::move(ctx.error());
  auto get = [&](std::string_view k) {
    auto it = ctx->params.find(k);
    return it == ctx->params.end() ? std::string() : it->second;
  };
  auto username = get("username");
  Secret password(get("password"));
  auto t = clock_.now();
  // Brute force: per account (slows guessing one user's password) and per source address
  // (slows spraying one password over many users).
  if (!login_user_->allowed("u:" + username, t) || !login_ip_->allowed("ip:" + ip, t))
    return login_page(req, ctx->request_id, ctx->pending, ctx->session, username,
                      "Too many failed sign-in attempts. Wait a few minutes and try again.",
                      http::status::too_many_requests);
  auto user = store_->get_user(username);
  // A store error fails the sign-in like an unknown user (fail closed, and the page reveals nothing
  // of the store); it is logged so that an outage is not mistaken for users mistyping.
  if (!user) log::error("authorization server: sign-in failed on storage: " + user.error().message);
  bool ok;
  {
    // Bounded: each verification holds 19 MiB, and a login flood must not hold one per thread.
    // Unknown users wait for the same slot, so the wait reveals nothing either.
    hash_slots_.acquire();
    if (user && *user) {
      ok = verify_password(password, (*user)->password_hash);
    } else {
      // The result is meaningless (no such user): the call is only there so that an unknown user
      // costs the same time as a wrong password (user enumeration by timing).
      (void)verify_password(password, dummy_password_hash());
      ok = false;
    }
    hash_slots_.release();
  }
  if (!ok) {
    login_user_->record("u:" + username, t);
    login_ip_->record("ip:" + ip, t);
    return login_page(req, ctx->request_id, ctx->pending, ctx->session, username, "Wrong username or password.",
                      http::status::unauthorized);
  }
  login_user_->reset("u:" + username);
  // Session fixation: a new session id (and CSRF token) at the moment of authentication.
  auto sid = random_.token(32);
  auto ts = now();
  Session s{random_.token(24), username, ts, ts + opt_.login_session_ttl.count()};
  ctx->pending.session_id = sid;
  // In this order, so that a failure part-way leaves nobody signed in under an id the browser
  // holds: the old session goes, the new one is written, and only once the request is moved to it
  // (below) is the cookie set.
  auto moved = [&]() -> Result<void> {
    if (auto r = login_state_->erase_session(ctx->session_id); !r) return r;
    return login_state_->put_session(sid, s, ts);
  }();
  if (!moved) return login_state_unavailable(req, moved.error());
  Response out;
  if (auto refused = restrict_to_user(req, ctx->pending, username)) {
    // Refused: nothing left to decide. Left in an unreachable store, the request expires on its own.
    if (auto taken = login_state_->take_pending(ctx->request_id, ts); !taken)
      log::warn("authorization server: login state not cleared (it expires on its own): " + taken.error().message);
    out = std::move(*refused);
    out.set(http::field::set_cookie, cookie_value(sid));
    return out;
  }
  // consent_post reads the pending request back: it must see the new session and the narrowed
  // scopes.
  if (auto r = login_state_->replace_pending(ctx->request_id, ctx->pending, ts); !r)
    return login_state_unavailable(req, r.error());
  // A store error reads as "no remembered consent": the user is asked, nothing is granted unseen.
  auto consent = store_->has_consent(username, ctx->pending.client.client_id, ctx->pending.resource,
                                     join_scope(ctx->pending.scopes));
  if (!ctx->pending.force_consent && consent && *consent) {
    // Single use: a request replayed or raced to another replica meanwhile issues no second code.
    auto taken = login_state_->take_pending(ctx->request_id, ts);
    if (!taken) return login_state_unavailable(req, taken.error());
    if (!*taken)
      return error_page(req, http::status::forbidden, "Request refused",
                        "This authorization request was already completed. Start again from the application.");
    out = issue_code(req, **taken, s);
  } else {
    out = consent_page(req, ctx->request_id, ctx->pending, s);
  }
  out.set(http::field::set_cookie, cookie_value(sid));
  return out;
}

}  // namespace mcpgate::authserver
