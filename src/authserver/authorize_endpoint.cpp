// The authorization endpoint (RFC 6749 §4.1.1, OAuth 2.1 §4.1): the request checked, the
// user's session looked up, and a code issued or the login/consent pages shown.
#include "authserver/client_metadata.hpp"
#include "authserver/pkce.hpp"
#include "authserver/scope_text.hpp"
#include "authserver/server_impl.hpp"
#include "authserver/user_scopes.hpp"
#include "core/secret.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Exchange;
using net::Request;
using net::Response;

std::string AuthorizationServer::Impl::error_redirect(const std::string& redirect_uri, OAuthError error,
                                                      std::string_view description, const std::string& state) const {
  std::string url = redirect_uri + (redirect_uri.find('?') == std::string::npos ? "?" : "&");
  url += "error=" + percent_encode(to_string(error));
  if (!description.empty()) url += "&error_description=" + percent_encode(description);
  if (!state.empty()) url += "&state=" + percent_encode(state);
  url += "&iss=" + percent_encode(opt_.issuer);  // RFC 9207: errors too
  return url;
}

net::awaitable<Response> AuthorizationServer::Impl::authorize_request(Exchange& ex, std::string_view query) {
  const auto& req = ex.request();
  auto params = parse_form(query);
  if (!params)
    co_return error_page(
        req, http::status::bad_request, "Invalid request",
        std::string("The authorization request is malformed: ") + std::string(describe(params.error())) + ".");
  auto get = [&](std::string_view k) -> std::string {
    auto it = params->find(k);
    return it == params->end() ? std::string() : it->second;
  };
  // Until the client and its redirect URI are known to be good, errors are shown here and
  // never redirected: redirecting to an unverified URI is an open redirector (RFC 9700 §4.11).
  auto client_id = get("client_id");
  if (client_id.empty())
    co_return error_page(req, http::status::bad_request, "Invalid request", "The request names no client (client_id).");
  auto client = co_await find_client(client_id);
  if (!client && client.error().unavailable)
    co_return error_page(req, http::status::service_unavailable, "Temporarily unavailable",
                         "The sign-in service cannot reach its storage right now. Try again in a moment.");
  if (!client)
    co_return error_page(req, http::status::bad_request, "Unknown client",
                         "The client's metadata document could not be used: " + client.error().message + ".");
  if (!*client)
    co_return error_page(req, http::status::bad_request, "Unknown client",
                         "No client is registered with this client_id.");
  auto& c = **client;
  auto redirect_uri = get("redirect_uri");
  if (redirect_uri.empty())
    co_return error_page(req, http::status::bad_request, "Invalid request", "The request has no redirect_uri.");
  bool registered = false;
  for (auto& r : c.redirect_uris) registered |= redirect_uri_matches(r, redirect_uri);
  if (!registered)
    co_return error_page(req, http::status::bad_request, "Invalid redirect URI",
                         "The redirect_uri is not registered for this client.");

  auto state = get("state");
  auto redirect_error = [&](OAuthError error, std::string_view description) {
    return redirect(req, error_redirect(redirect_uri, error, description, state), http::status::found);
  };
  if (get("response_type") != "code")
    co_return redirect_error(OAuthError::unsupported_response_type, "only response_type=code is supported");
  if (!contains(c.grant_types, "authorization_code"))
    co_return redirect_error(OAuthError::unauthorized_client, "the client may not use the authorization code grant");
  // state is required: it is the client's CSRF defence, and a client that forgets it would
  // accept any code injected into its redirect URI.
  if (state.empty()) co_return redirect_error(OAuthError::invalid_request, "state is required");
  if (params->contains("request") || params->contains("request_uri"))
    co_return redirect_error(OAuthError::request_not_supported, "request objects are not supported");
  auto challenge = get("code_challenge");
  auto method = get("code_challenge_method");
  // PKCE is mandatory and only S256: "plain" (the default when the method is omitted, RFC 7636
  // §4.3) gives no protection against a code intercepted on its way back.
  if (challenge.empty()) co_return redirect_error(OAuthError::invalid_request, "code_challenge is required (PKCE)");
  if (method != "S256") co_return redirect_error(OAuthError::invalid_request, "code_challenge_method must be S256");
  if (challenge.size() != 43 || !pkce_text(challenge))
    co_return redirect_error(OAuthError::invalid_request, "code_challenge is not a base64url SHA-256 value");
  auto resource = get("resource");
  if (resource.empty()) co_return redirect_error(OAuthError::invalid_target, "resource is required (RFC 8707)");
  auto* res = find_resource(resource);
  if (!res) co_return redirect_error(OAuthError::invalid_target, "resource is not a protected resource of this server");
  auto scopes = co_await allowed_scopes(get("scope"), *res, c);
  if (!scopes) co_return redirect_error(OAuthError::invalid_scope, scopes.error());

  auto prompt = split_scope(get("prompt"));
  bool prompt_none = contains(prompt, "none");
  if (prompt_none && prompt.size() > 1)
    co_return redirect_error(OAuthError::invalid_request, "prompt=none cannot be combined");

  auto sid = session_cookie(req);
  Session session;
  bool have_session = false;
  if (!sid.empty()) {
    auto t = now();
    auto found = co_await login_state_call([&] { return login_state_->get_session(sid, t); });
    if (!found) co_return login_state_unavailable(req, found.error());
    login_state_ok();
    if (*found) {
      session = std::move(**found);
      have_session = true;
    }
  }
  bool logged_in = have_session && !session.user.empty() && !contains(prompt, "login");
  if (prompt_none && !logged_in) co_return redirect_error(OAuthError::login_required, "the user is not signed in");

  Pending p{{},
            c,
            redirect_uri,
            state,
            challenge,
            resource,
            *scopes,
            contains(prompt, "consent"),
            now() + opt_.pending_request_ttl.count()};
  p.requested = *scopes;
  if (logged_in) {
    auto issued = co_await pool_.run([&]() -> std::optional<Response> {
      if (auto refused = restrict_to_user(req, p, session.user)) return std::move(*refused);
      if (p.force_consent) return std::nullopt;
      auto ok = store_->has_consent(session.user, c.client_id, resource, join_scope(p.scopes));
      // A store error reads as "no remembered consent": the user is asked, nothing is granted unseen.
      if (ok && *ok) return issue_code(req, p, session);
      return std::nullopt;
    });
    if (issued) co_return std::move(*issued);
  }
  if (prompt_none) co_return redirect_error(OAuthError::consent_required, "the user has not approved this client");

  std::string set_cookie;
  bool fresh_session = !have_session;
  if (fresh_session) {
    sid = random_.token(32);
    session = Session{random_.token(24), {}, 0, now() + opt_.login_session_ttl.count()};
    set_cookie = cookie_value(sid);
  } else if (contains(prompt, "login")) {
    session.user.clear();
  }
  p.session_id = sid;
  auto request_id = random_.token(24);
  auto t = now();
  // The session is written before the request that names it: a replica that finds the request
  // finds its session.
  auto stored = co_await login_state_call([&]() -> Result<void> {
    if (fresh_session || contains(prompt, "login"))
      if (auto r = login_state_->put_session(sid, session, t); !r) return r;
    return login_state_->put_pending(request_id, p, t);
  });
  if (!stored) co_return login_state_unavailable(req, stored.error());
  Response out;
  if (logged_in) {
    out = consent_page(req, request_id, p, session);
  } else {
    // The password form, or the upstream identity provider (federated_login.cpp).
    Response r = co_await sign_in_page(req, request_id, p, session);
    out = std::move(r);
  }
  if (!set_cookie.empty()) out.set(http::field::set_cookie, set_cookie);
  co_return out;
}

net::awaitable<expected<std::vector<std::string>, std::string>> AuthorizationServer::Impl::allowed_scopes(
    std::string_view requested, const ProtectedResource& res, const ClientRecord& c) {
  std::vector<std::string> scopes = requested.empty() ? res.default_scopes : split_scope(requested);
  // An administrator's scope list restricts a pre-registered client. A self-registered client's
  // `scope` (RFC 7591 §2) is what it asked for at registration — MCP clients send the scope of
  // the first 401 challenge there — so it may not forbid the step-up that a later 403
  // insufficient_scope asks for (MCP authorization, "Scope Challenge Handling"); the user's
  // consent still decides.
  auto client_scopes = c.kind == ClientKind::preregistered ? split_scope(c.scope) : std::vector<std::string>{};
  for (auto& s : scopes) {
    if (!valid_scope_token(s)) co_return unexpected<std::string>("malformed scope");
    if (!contains(res.scopes_supported, s)) co_return unexpected<std::string>("scope is not supported by the resource");
    if (!client_scopes.empty() && !contains(client_scopes, s))
      co_return unexpected<std::string>("scope is not allowed for this client");
  }
  co_return scopes;
}

// On the pool: storage. Narrows a pending request to the scopes the signed-in user may have
// (RFC 6749 §3.3: the server may grant fewer than requested, and says so in the token
// response). A reader whose client asks for a write scope (step-up) is granted the read scope,
// not shown an error it cannot get past. Only when nothing requested is left is the request
// refused (access_denied, to the client). Returns that refusal, or nothing.
std::optional<Response> AuthorizationServer::Impl::restrict_to_user(const Request& req, Pending& p,
                                                                    const std::string& username) {
  auto refuse = [&](OAuthError error, std::string_view description) {
    return redirect(req, error_redirect(p.redirect_uri, error, description, p.state),
                    req.method() == http::verb::post ? http::status::see_other : http::status::found);
  };
  auto user = store_->get_user(username);
  if (!user) return refuse(OAuthError::server_error, "storage failure");
  // A session outliving its user (removed by an administrator) grants nothing.
  if (!*user) return refuse(OAuthError::access_denied, "the user no longer exists");
  auto g = grant_for_user(p.requested, (*user)->scope);
  p.scopes = std::move(g.granted);
  p.withheld = std::move(g.withheld);
  if (p.scopes.empty() && !p.withheld.empty())
    return refuse(OAuthError::access_denied, "none of the requested scopes is available to this user");
  return std::nullopt;
}

Response AuthorizationServer::Impl::issue_code(const Request& req, const Pending& p, const Session& s) {
  auto code = random_.token(32);
  AuthorizationCode rec{sha256_hex(code), p.client.client_id, p.redirect_uri,
                        p.code_challenge, p.resource,         join_scope(p.scopes),
                        s.user,           s.auth_time,        now() + opt_.code_ttl.count()};
  if (auto r = store_->put_code(rec); !r)
    return redirect(req, error_redirect(p.redirect_uri, OAuthError::server_error, "storage failure", p.state),
                    http::status::see_other);
  std::string url = p.redirect_uri + (p.redirect_uri.find('?') == std::string::npos ? "?" : "&");
  url += "code=" + percent_encode(code) + "&state=" + percent_encode(p.state) + "&iss=" + percent_encode(opt_.issuer);
  return redirect(req, url, req.method() == http::verb::post ? http::status::see_other : http::status::found);
}

}  // namespace mcpgate::authserver
