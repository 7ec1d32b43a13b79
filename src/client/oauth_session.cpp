#include "client/oauth_session.hpp"

#include <boost/url/parse.hpp>
#include <set>
#include <sstream>

#include "client/authorization_request.hpp"
#include "client/browser.hpp"
#include "client/loopback_listener.hpp"
#include "core/base64url.hpp"
#include "oauth/introspection.hpp"  // form_urlencode
#include "oauth/resource_discovery.hpp"

namespace mcpgate::client {

namespace {

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::set<std::string> scope_set(std::string_view s) {
  std::set<std::string> out;
  std::istringstream in{std::string(s)};
  std::string w;
  while (in >> w) out.insert(w);
  return out;
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (auto& w : s) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string challenge_param(const std::string& www_authenticate, const char* name) {
  auto c = oauth::parse_bearer_challenge(www_authenticate);
  if (!c) return {};
  auto it = c->find(name);
  return it == c->end() ? std::string() : it->second;
}

std::uint16_t port_of(const std::string& redirect_uri) {
  auto u = boost::urls::parse_absolute_uri(redirect_uri);
  if (!u || !u->has_port()) return 0;
  return u->port_number();
}

const std::string kEmpty;

}  // namespace

OAuthSession::OAuthSession(std::string endpoint, ClientOptions options, oauth::HttpFetcher& fetcher, TokenStore& store,
                           Random& random)
    : endpoint_(std::move(endpoint)), options_(std::move(options)), fetcher_(fetcher), store_(store), random_(random) {}

const std::string& OAuthSession::granted_scope() const {
  return tokens_ ? tokens_->scope : kEmpty;
}

Result<void> OAuthSession::load_stored() {
  if (loaded_) return {};
  loaded_ = true;
  auto b = store_.binding(endpoint_);
  if (!b) return unexpected(b.error());
  binding_ = *b;
  if (!binding_) return {};
  auto t = store_.tokens(binding_->issuer, binding_->resource);
  if (!t) return unexpected(t.error());
  tokens_ = *t;
  return {};
}

Result<std::optional<std::string>> OAuthSession::authorization() {
  if (auto r = load_stored(); !r) return unexpected(r.error());
  if (!tokens_) return std::optional<std::string>{};
  // An access token past its lifetime would only earn a 401: refresh first when possible.
  if (tokens_->expires_at != 0 && now_seconds() + 10 >= tokens_->expires_at && !tokens_->refresh_token.empty()) {
    auto r = refresh();
    if (!r) return unexpected(r.error());
    if (!*r) return std::optional<std::string>{};
  }
  if (!tokens_ || tokens_->access_token.empty()) return std::optional<std::string>{};
  return std::optional<std::string>("Bearer " + std::string(tokens_->access_token.reveal()));
}

Result<void> OAuthSession::ensure_target(const std::string& www_authenticate) {
  if (target_) return {};
  auto t = discover(fetcher_, endpoint_, www_authenticate);
  if (!t) return unexpected(t.error());
  // Tokens stored for another issuer or resource (the server moved to another authorization
  // server) are not this target's: they are neither sent nor refreshed there.
  if (binding_ && (binding_->issuer != t->issuer || binding_->resource != t->resource)) {
    tokens_.reset();
    binding_.reset();
    client_.reset();  // the identity those tokens were issued to is the old issuer's
  }
  target_ = std::move(*t);
  return {};
}

Result<void> OAuthSession::unauthorized(const std::string& www_authenticate) {
  if (auto r = load_stored(); !r) return r;
  // A 401 may mean the server moved to another authorization server (MCP 2026-07-28
  // authorization, "Authorization Server Discovery", SEP-2352): discover again rather than keep
  // refreshing at, or signing in to, the one found before. ensure_target then drops the tokens
  // bound to the old issuer, and client_for registers at the new one.
  target_.reset();
  if (auto r = ensure_target(www_authenticate); !r) return r;
  if (tokens_ && !tokens_->refresh_token.empty()) {
    auto r = refresh();
    if (!r) return unexpected(r.error());
    if (*r) return {};
  }
  if (options_.notice) options_.notice(endpoint_ + " asks for authorization (401); signing in");
  return authorize(initial_scope(www_authenticate));
}

Result<void> OAuthSession::login(const std::string& www_authenticate) {
  if (auto r = load_stored(); !r) return r;
  if (auto r = ensure_target(www_authenticate); !r) return r;
  return authorize(initial_scope(www_authenticate), "login");
}

std::string OAuthSession::initial_scope(const std::string& www_authenticate) const {
  // MCP authorization, "Scope Selection Strategy": what the user asked for, else the challenge's
  // scope, else every scope the resource lists, else none.
  std::string scope = options_.scope;
  if (scope.empty()) scope = challenge_param(www_authenticate, "scope");
  if (scope.empty())
    for (auto& s : target_->scopes_supported) scope += (scope.empty() ? "" : " ") + s;
  return scope;
}

Result<void> OAuthSession::insufficient_scope(const std::string& www_authenticate) {
  if (auto r = load_stored(); !r) return r;
  auto challenged = scope_set(challenge_param(www_authenticate, "scope"));
  if (++step_ups_ > options_.max_step_ups)
    return fail("the server still refuses with insufficient_scope (needs: " + join(challenged) + ") after " +
                std::to_string(options_.max_step_ups) + " new authorizations; giving up");
  if (auto r = ensure_target(www_authenticate); !r) return r;
  if (options_.notice)
    options_.notice("the server refused this with 403 insufficient_scope and asks for scope \"" + join(challenged) +
                    "\"; signing in again for it");
  // The union of what was asked before and what is challenged now (SEP-2350): asking for the
  // challenged scope alone would lose the scopes the other operations need.
  auto wanted = challenged;
  if (tokens_) {
    for (auto& s : scope_set(tokens_->requested_scope)) wanted.insert(s);
    for (auto& s : scope_set(tokens_->scope)) wanted.insert(s);
  }
  if (auto r = authorize(join(wanted)); !r) return r;
  // The authorization server may grant less than asked (RFC 6749 §3.3): then retrying would only
  // earn the same 403.
  if (tokens_ && !tokens_->scope.empty()) {
    auto granted = scope_set(tokens_->scope);
    std::set<std::string> missing;
    for (auto& s : challenged)
      if (!granted.count(s)) missing.insert(s);
    if (!missing.empty())
      return fail("the authorization server did not grant " + join(missing) + " (granted: " + tokens_->scope +
                  "); this user may not have it");
  }
  return {};
}

std::optional<StoredClient> OAuthSession::preregistered() const {
  auto& id = options_.identity;
  if (id.client_id.empty()) return std::nullopt;
  StoredClient c;
  c.client_id = id.client_id;
  c.client_secret = id.client_secret;
  c.auth_method = choose_auth_method(!id.client_secret.empty(), target_->token_auth_methods);
  return c;
}

Result<StoredClient> OAuthSession::client_for(const std::string& redirect_uri) {
  auto& id = options_.identity;
  if (auto c = preregistered()) return std::move(*c);
  auto stored = store_.client(target_->issuer);
  if (!stored) return unexpected(stored.error());
  if (*stored && (!(*stored)->registered_here || (*stored)->redirect_uri == redirect_uri)) return **stored;
  if (target_->client_id_metadata_documents && !id.client_metadata_url.empty()) {
    StoredClient c;
    c.client_id = id.client_metadata_url;
    return c;
  }
  if (target_->registration_endpoint.empty())
    return fail("the authorization server " + target_->issuer +
                " offers no way to register this client (no client ID metadata documents it can use, no "
                "registration_endpoint); register one there and pass --client-id");
  auto c = register_dynamically(fetcher_, *target_, redirect_uri);
  if (!c) return unexpected(c.error());
  if (auto r = store_.put_client(target_->issuer, *c); !r) return unexpected(r.error());
  return c;
}

Result<void> OAuthSession::authorize(const std::string& scope, const std::string& prompt) {
  // Reuse the port a stored registration names, so its redirect URI still matches; another
  // process on it means registering again with a new one.
  std::uint16_t port = 0;
  if (options_.identity.client_id.empty()) {
    auto stored = store_.client(target_->issuer);
    if (!stored) return unexpected(stored.error());
    if (*stored && (*stored)->registered_here) port = port_of((*stored)->redirect_uri);
  }
  auto listener = LoopbackListener::open(port);
  if (!listener && port != 0) listener = LoopbackListener::open(0);
  if (!listener) return unexpected(listener.error());
  auto client = client_for((*listener)->redirect_uri());
  if (!client) return unexpected(client.error());

  auto pkce = make_pkce(random_);
  AuthorizationRequest req{
      client->client_id, (*listener)->redirect_uri(), pkce.challenge, random_.token(16), scope, prompt};
  auto url = authorization_url(*target_, req);
  if (auto r = show_authorization_url(url, options_.browser); !r) return r;
  Callback answer;
  auto waited = (*listener)->wait(
      [&](std::string_view target) -> LoopbackListener::Verdict {
        if (!target.starts_with("/callback")) return {false, 404, "Not found."};
        auto c = read_callback(target, req.state, target_->issuer, target_->iss_parameter_supported);
        if (c.kind == Callback::Kind::stranger) return {false, 400, "This is not the answer to the current sign-in."};
        answer = std::move(c);
        if (answer.kind == Callback::Kind::refused)
          return {true, 400, "Sign-in failed. Return to the terminal for details."};
        return {true, 200, "Signed in. You can close this tab and return to the terminal."};
      },
      options_.login_timeout);
  if (!waited) return fail("sign-in did not complete: " + waited.error().message);
  if (answer.kind != Callback::Kind::code) return fail(answer.message);

  auto issued = token_request(*client, {{"grant_type", "authorization_code"},
                                        {"code", answer.code},
                                        {"redirect_uri", req.redirect_uri},
                                        {"code_verifier", pkce.verifier},
                                        {"resource", target_->resource}});
  if (!issued) return unexpected(issued.error());
  client_ = *client;
  return keep(scope, std::move(*issued));
}

Result<bool> OAuthSession::refresh() {
  if (!tokens_ || tokens_->refresh_token.empty()) return false;
  if (auto r = ensure_target(""); !r) return unexpected(r.error());
  std::optional<StoredClient> client = client_;
  if (!client) client = preregistered();
  if (!client) {
    auto stored = store_.client(target_->issuer);
    if (!stored) return unexpected(stored.error());
    if (!*stored) {
      tokens_.reset();
      return false;
    }
    client = **stored;
  }
  auto issued = token_request(*client, {{"grant_type", "refresh_token"},
                                        {"refresh_token", std::string(tokens_->refresh_token.reveal())},
                                        {"resource", target_->resource}});
  if (!issued) {
    // The refresh token is spent or revoked: forget the tokens, the caller signs in again.
    tokens_.reset();
    return false;
  }
  auto requested = tokens_->requested_scope;
  auto previous_refresh = tokens_->refresh_token;
  // OAuth 2.1 §4.3.3: a public client's refresh token rotates; a server that does not rotate keeps
  // the old one valid.
  if (issued->refresh_token.empty()) issued->refresh_token = previous_refresh;
  if (issued->scope.empty()) issued->scope = tokens_->scope;
  if (auto r = keep(requested, std::move(*issued)); !r) return unexpected(r.error());
  return true;
}

Result<exchange::IssuedToken> OAuthSession::token_request(const StoredClient& client,
                                                          std::vector<std::pair<std::string, std::string>> form) {
  oauth::HttpFetchRequest req;
  req.method = "POST";
  req.url = target_->token_endpoint;
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  if (client.auth_method == "client_secret_basic") {
    // RFC 6749 §2.3.1: each part form-encoded, then Base64.
    auto creds = oauth::form_urlencode(client.client_id) + ":" + oauth::form_urlencode(client.client_secret.reveal());
    req.headers.emplace_back("Authorization", "Basic " + base64_encode(creds));
  } else {
    form.emplace_back("client_id", client.client_id);
    if (client.auth_method == "client_secret_post")
      form.emplace_back("client_secret", std::string(client.client_secret.reveal()));
  }
  for (auto& [k, v] : form) {
    if (!req.body.empty()) req.body += '&';
    req.body += oauth::form_urlencode(k);
    req.body += '=';
    req.body += oauth::form_urlencode(v);
  }
  auto r = fetcher_.fetch(req);
  if (!r) return unexpected(r.error());
  auto t = exchange::parse_token_response(r->status, r->body);
  if (!t) {
    auto& e = t.error();
    // A 200 whose token cannot be used (a CR LF that would split the Authorization header, not
    // Bearer, …) is the server's fault, not a refusal: said so, so the user does not retry a login.
    std::string msg = e.reason == exchange::TokenError::Reason::bad_answer ? "the token endpoint's answer is unusable"
                                                                           : "the token endpoint refused";
    if (!e.oauth_error.empty()) msg += ": " + e.oauth_error;
    if (!e.description.empty()) msg += " (" + e.description + ")";
    // invalid_client: the stored registration is no longer known there; the next run registers anew.
    if (e.oauth_error == "invalid_client" && client.registered_here) {
      if (auto f = store_.forget_client(target_->issuer); !f)
        msg += "; the stale registration could not be forgotten: " + f.error().message;
    }
    return fail(msg);
  }
  return std::move(*t);
}

Result<void> OAuthSession::keep(const std::string& requested_scope, exchange::IssuedToken token) {
  StoredTokens t;
  t.access_token = std::move(token.access_token);
  t.refresh_token = std::move(token.refresh_token);
  t.expires_at = token.expires_in.count() > 0 ? now_seconds() + token.expires_in.count() : 0;
  // RFC 6749 §5.1: scope is omitted when it is what was requested.
  t.scope = token.scope.empty() ? requested_scope : token.scope;
  t.requested_scope = requested_scope;
  binding_ = EndpointBinding{target_->issuer, target_->resource};
  tokens_ = t;
  if (auto r = store_.put_tokens(binding_->issuer, binding_->resource, t); !r) return r;
  return store_.put_binding(endpoint_, *binding_);
}

}  // namespace mcpgate::client
