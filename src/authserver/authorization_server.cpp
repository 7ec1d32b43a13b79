#include "authserver/authorization_server.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <map>
#include <mutex>
#include <semaphore>
#include <set>
#include <shared_mutex>
#include <thread>
#include <unordered_set>

#include "authserver/blocking_pool.hpp"
#include "authserver/client_metadata.hpp"
#include "authserver/form.hpp"
#include "authserver/pages.hpp"
#include "authserver/password.hpp"
#include "authserver/rate_limiter.hpp"
#include "authserver/user_scopes.hpp"
#include "core/base64url.hpp"
#include "core/json.hpp"
#include "core/secret.hpp"
#include "net/address.hpp"
#include "oauth/access_token.hpp"
#include "oauth/jwk.hpp"
#include "oauth/jwks.hpp"
#include "oauth/jws.hpp"
#include "oauth/signature.hpp"
#include "oauth/token_minter.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Exchange;
using net::Request;
using net::Response;

namespace {

constexpr std::string_view kTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr std::string_view kJwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr std::string_view kAccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
constexpr std::string_view kJwtTokenType = "urn:ietf:params:oauth:token-type:jwt";
constexpr std::string_view kClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

std::string sha256_b64url(std::string_view data) {
  unsigned char md[32];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::vector<std::string> split_scope(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    auto sp = s.find(' ');
    auto w = s.substr(0, sp);
    if (!w.empty() && std::find(out.begin(), out.end(), w) == out.end()) out.emplace_back(w);
    if (sp == std::string_view::npos) break;
    s.remove_prefix(sp + 1);
  }
  return out;
}

// Scope sets are stored and compared in one canonical form: sorted, unique, space-joined.
std::string join_scope(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  std::string out;
  for (auto& s : v) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool valid_scope_token(std::string_view s) {
  // RFC 6749 §3.3: %x21 / %x23-5B / %x5D-7E
  for (unsigned char c : s)
    if (c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e) return false;
  return !s.empty();
}

// A PKCE verifier or challenge: 43..128 unreserved characters (RFC 7636 §4.1, §4.2).
bool pkce_text(std::string_view s) {
  if (s.size() < 43 || s.size() > 128) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
          c == '_' || c == '~'))
      return false;
  return true;
}

std::string host_of(std::string_view uri) {
  auto u = boost::urls::parse_uri(uri);
  if (!u) return std::string(uri);
  if (u->encoded_host().empty()) return std::string(u->scheme()) + ":";
  return std::string(u->encoded_host_and_port());
}

struct Session {
  std::string csrf;
  std::string user;  // empty until logged in
  Seconds auth_time = 0;
  Seconds expires_at = 0;
};

struct Pending {
  std::string session_id;
  ClientRecord client;
  std::string redirect_uri;
  std::string state;
  std::string code_challenge;
  std::string resource;
  std::vector<std::string> scopes;  // what will be granted: requested ∩ what the signed-in user may have
  bool force_consent = false;
  Seconds expires_at = 0;
  std::vector<std::string> requested;  // what the client asked for
  std::vector<std::string> withheld;   // requested, not available to the signed-in user
};

struct TrustedIdpKeys {
  std::string issuer;
  oauth::JwkSet keys;
};

struct OAuthError {
  unsigned status = 400;
  std::string error;
  std::string description;
  bool basic_challenge = false;
};
template <class T>
using OAuthResult = expected<T, OAuthError>;
unexpected<OAuthError> oauth_error(std::string error, std::string description, unsigned status = 400) {
  return unexpected<OAuthError>(OAuthError{status, std::move(error), std::move(description), false});
}

struct AuthenticatedClient {
  ClientRecord client;
  std::string method;  // how it authenticated
};

}  // namespace

class AuthorizationServer::Impl {
 public:
  Impl(Options o, std::unique_ptr<Store> s, const Clock& clock, Random& random, std::shared_ptr<MetadataFetcher> f)
      : opt_(std::move(o)),
        store_(std::move(s)),
        clock_(clock),
        random_(random),
        fetcher_(std::move(f)),
        keys_(*store_, random_,
              opt_.retired_key_grace.count() > 0 ? opt_.retired_key_grace
                                                 : opt_.access_token_ttl + std::chrono::seconds(60)),
        login_user_(opt_.login_per_user.max_failures, opt_.login_per_user.window),
        login_ip_(opt_.login_per_ip.max_failures, opt_.login_per_ip.window),
        dcr_ip_(opt_.dcr_max_per_window, opt_.dcr_window),
        hash_slots_(std::ptrdiff_t(std::clamp<std::size_t>(
            opt_.max_concurrent_hashes ? opt_.max_concurrent_hashes : std::max(1u, std::thread::hardware_concurrency()),
            1, kMaxHashes))),
        pool_(BlockingPoolOptions{opt_.blocking_threads, opt_.max_pending_requests, opt_.blocking_nice}) {
    auto u = boost::urls::parse_absolute_uri(opt_.issuer);
    prefix_ = std::string(u->encoded_path());
    while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
    secure_cookies_ = u->scheme() == "https";
  }

  Result<void> init() {
    if (auto r = keys_.init(now()); !r) return r;
    auto rev = store_->revoked_jtis(now());
    if (!rev) return fail(rev.error().message);
    revoked_.insert(rev->begin(), rev->end());
    for (auto& idp : opt_.trusted_idps) {
      auto set = oauth::parse_jwks(idp.jwks);
      if (!set) return fail("trusted IdP " + idp.issuer + ": jwks: " + set.error().message);
      idps_.push_back({idp.issuer, std::move(*set)});
    }
    last_maintenance_ = now();
    return {};
  }

  Seconds now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
  }
  std::string endpoint(std::string_view path) const { return origin() + prefix_ + std::string(path); }
  std::string origin() const {
    auto u = boost::urls::parse_absolute_uri(opt_.issuer);
    return std::string(u->scheme()) + "://" + std::string(u->encoded_host_and_port());
  }

  json::object metadata() const {
    json::array scopes;
    std::set<std::string> seen;
    for (auto& r : opt_.resources)
      for (auto& s : r.scopes_supported)
        if (seen.insert(s).second) scopes.emplace_back(s);
    json::object m{
        {"issuer", opt_.issuer},
        {"authorization_endpoint", endpoint("/authorize")},
        {"token_endpoint", endpoint("/token")},
        {"jwks_uri", endpoint("/jwks")},
        {"introspection_endpoint", endpoint("/introspect")},
        {"revocation_endpoint", endpoint("/revoke")},
        {"response_types_supported", json::array{"code"}},
        {"response_modes_supported", json::array{"query"}},
        {"grant_types_supported",
         json::array{"authorization_code", "refresh_token", "client_credentials", kTokenExchange, kJwtBearer}},
        {"code_challenge_methods_supported", json::array{"S256"}},
        {"token_endpoint_auth_methods_supported",
         json::array{"none", "client_secret_basic", "client_secret_post", "private_key_jwt"}},
        {"token_endpoint_auth_signing_alg_values_supported", json::array{"ES256", "ES384", "RS256", "PS256", "EdDSA"}},
        {"introspection_endpoint_auth_methods_supported",
         json::array{"client_secret_basic", "client_secret_post", "private_key_jwt"}},
        {"revocation_endpoint_auth_methods_supported",
         json::array{"none", "client_secret_basic", "client_secret_post", "private_key_jwt"}},
        {"scopes_supported", std::move(scopes)},
        {"client_id_metadata_document_supported", opt_.cimd_enabled},
        {"authorization_response_iss_parameter_supported", true},
        {"subject_types_supported", json::array{"public"}},
        {"id_token_signing_alg_values_supported", json::array{"ES256"}},
        {"prompt_values_supported", json::array{"none", "login", "consent"}},
    };
    if (opt_.dcr_enabled) m["registration_endpoint"] = endpoint("/register");
    return m;
  }

  // ---------------------------------------------------------------- HTTP plumbing

  static Response base_response(const Request& req, http::status status) {
    Response res{status, req.version()};
    res.set(http::field::server, "mcpgate");
    return res;
  }
  static Response json_response(const Request& req, http::status status, const json::value& body,
                                bool no_store = true) {
    auto res = base_response(req, status);
    res.set(http::field::content_type, "application/json");
    if (no_store) {
      res.set(http::field::cache_control, "no-store");
      res.set(http::field::pragma, "no-cache");
    }
    res.body() = json::serialize(body);
    return res;
  }
  static Response error_json(const Request& req, const OAuthError& e) {
    json::object body{{"error", e.error}};
    if (!e.description.empty()) body["error_description"] = e.description;
    auto res = json_response(req, http::status(e.status), body);
    if (e.basic_challenge) res.set(http::field::www_authenticate, "Basic realm=\"mcpgate\"");
    return res;
  }
  Response html(const Request& req, http::status status, const std::function<std::string(std::string_view)>& render) {
    auto nonce = random_.token(16);
    auto res = base_response(req, status);
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    // Clickjacking: the consent page must never be framed (RFC 9700 §4.16).
    res.set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-" + nonce +
                                           "'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'");
    res.set("X-Frame-Options", "DENY");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.body() = render(nonce);
    return res;
  }
  Response error_page(const Request& req, http::status status, std::string_view title, std::string_view message) {
    return html(req, status, [&](std::string_view n) { return render_error(title, message, n); });
  }
  static Response redirect(const Request& req, std::string_view location, http::status status) {
    auto res = base_response(req, status);
    res.set(http::field::location, location);
    res.set(http::field::cache_control, "no-store");
    res.set("Referrer-Policy", "no-referrer");
    return res;
  }

  std::string cookie_name() const { return secure_cookies_ ? "__Host-mcpgate-as" : "mcpgate-as"; }
  std::string cookie_value(std::string_view id) const {
    // __Host- pins the cookie to this origin, Path=/ and Secure. On plain-HTTP loopback
    // (development only) a browser would drop a Secure cookie, so both go.
    std::string v = cookie_name() + "=" + std::string(id) + "; Path=/; HttpOnly; SameSite=Lax";
    if (secure_cookies_) v += "; Secure";
    return v;
  }
  std::string session_cookie(const Request& req) const {
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

  // ---------------------------------------------------------------- routing

  net::awaitable<expected<json::object, AuthorizationServer::GrantError>> internal_grant(Params form,
                                                                                         std::string client_id) {
    using E = AuthorizationServer::GrantError;
    auto grant = form.find("grant_type");
    if (grant == form.end() || (grant->second != kTokenExchange && grant->second != "client_credentials"))
      co_return unexpected(E{400, "unsupported_grant_type", "only token exchange and client_credentials"});
    auto ticket = pool_.admit();
    if (!ticket) co_return unexpected(E{503, "temporarily_unavailable", "the authorization server is busy"});
    AuthenticatedClient client;
    client.client.client_id = std::move(client_id);
    client.client.client_name = "mcpgate gateway";
    client.client.grant_types = {std::string(kTokenExchange), "client_credentials"};
    client.client.token_endpoint_auth_method = "internal";
    client.method = "internal";
    OAuthResult<json::object> r = co_await pool_.run([&] { return run_grant(grant->second, form, client); });
    if (!r) co_return unexpected(E{r.error().status, r.error().error, r.error().description});
    co_return std::move(*r);
  }

  net::awaitable<bool> handle(Exchange& ex) {
    const auto& req = ex.request();
    std::string_view target = req.target();
    auto q = target.find('?');
    std::string_view path = target.substr(0, q);
    std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);

    auto is = [&](std::string_view p) { return path == prefix_ + std::string(p) || (!prefix_.empty() && path == p); };
    bool meta = path == "/.well-known/oauth-authorization-server" + prefix_ ||
                path == "/.well-known/openid-configuration" + prefix_ ||
                path == prefix_ + "/.well-known/openid-configuration";
    enum { none, metadata_ep, authorize, login, consent, token, registration, jwks, introspect, revoke } which = none;
    if (meta)
      which = metadata_ep;
    else if (is("/authorize"))
      which = authorize;
    else if (path == prefix_ + "/authorize/login")
      which = login;
    else if (path == prefix_ + "/authorize/consent")
      which = consent;
    else if (is("/token"))
      which = token;
    else if (is("/register"))
      which = registration;
    else if (path == prefix_ + "/jwks")
      which = jwks;
    else if (path == prefix_ + "/introspect")
      which = introspect;
    else if (path == prefix_ + "/revoke")
      which = revoke;
    if (which == none) co_return false;

    maintenance();
    auto method = req.method();
    // Every endpoint but the two static documents does blocking work on the pool: it takes a
    // place there first, or is refused at once when the pool is full (a flood of token, login or
    // registration requests then costs a 503, not a growing queue and the gateway's memory).
    BlockingPool::Ticket ticket;
    if (which != metadata_ep && which != jwks) {
      ticket = pool_.admit();
      if (!ticket) {
        co_await ex.respond(busy(req, which == authorize || which == login || which == consent));
        co_return true;
      }
    }
    auto only = [&](std::initializer_list<http::verb> allowed) {
      return std::find(allowed.begin(), allowed.end(), method) != allowed.end();
    };
    Response res;
    switch (which) {
      case metadata_ep:
        if (!only({http::verb::get, http::verb::head})) {
          res = method_not_allowed(req, "GET");
          break;
        }
        res = json_response(req, http::status::ok, metadata(), false);
        res.set(http::field::cache_control, "public, max-age=300");
        res.set(http::field::access_control_allow_origin, "*");
        break;
      case jwks:
        if (!only({http::verb::get, http::verb::head})) {
          res = method_not_allowed(req, "GET");
          break;
        }
        res = json_response(req, http::status::ok, keys_.jwks(now()), false);
        res.set(http::field::content_type, "application/jwk-set+json");
        res.set(http::field::cache_control, "public, max-age=300");
        res.set(http::field::access_control_allow_origin, "*");
        break;
      case authorize:
        if (method == http::verb::get) {
          Response r = co_await authorize_request(ex, query);
          res = std::move(r);
        } else if (method == http::verb::post) {
          Response r = co_await authorize_request(ex, form_body(req));
          res = std::move(r);
        } else {
          res = method_not_allowed(req, "GET, POST");
        }
        break;
      case login:
        if (method == http::verb::post) {
          auto ip = ex.peer_address();
          Response r = co_await pool_.run([&] { return login_post(req, ip); });
          res = std::move(r);
        } else {
          res = method_not_allowed(req, "POST");
        }
        break;
      case consent:
        if (method == http::verb::post) {
          Response r = co_await pool_.run([&] { return consent_post(req); });
          res = std::move(r);
        } else {
          res = method_not_allowed(req, "POST");
        }
        break;
      case token:
        // g++ 12 mishandles co_await inside a conditional expression (the temporary is destroyed
        // twice): every co_await here is a statement of its own.
        if (method == http::verb::post) {
          Response r = co_await token_request(ex);
          res = std::move(r);
        } else {
          res = method_not_allowed(req, "POST");
        }
        break;
      case registration:
        if (!opt_.dcr_enabled)
          res = error_json(req, {404, "not_found", "dynamic client registration is disabled"});
        else if (method == http::verb::post) {
          auto ip = ex.peer_address();
          Response r = co_await pool_.run([&] { return register_client(req, ip); });
          res = std::move(r);
        } else {
          res = method_not_allowed(req, "POST");
        }
        break;
      case introspect:
        if (method == http::verb::post) {
          Response r = co_await introspect_request(ex);
          res = std::move(r);
        } else {
          res = method_not_allowed(req, "POST");
        }
        break;
      case revoke:
        if (method == http::verb::post) {
          Response r = co_await revoke_request(ex);
          res = std::move(r);
        } else {
          res = method_not_allowed(req, "POST");
        }
        break;
      case none:
        break;
    }
    // The work is done: the place goes back before the answer is written, so a client that reads
    // slowly does not hold it.
    ticket = BlockingPool::Ticket();
    co_await ex.respond(std::move(res));
    co_return true;
  }

  static std::string_view form_body(const Request& req) {
    auto ct = req[http::field::content_type];
    if (!ct.starts_with("application/x-www-form-urlencoded")) return {};
    return req.body();
  }
  // The pool is full: come back in a second (RFC 6749 §4.1.2.1 temporarily_unavailable; the
  // same code at the other endpoints, with RFC 9110 §10.2.3 Retry-After).
  Response busy(const Request& req, bool page) {
    Response res = page ? error_page(req, http::status::service_unavailable, "Busy",
                                     "The authorization server is busy. Try again in a moment.")
                        : error_json(req, {503, "temporarily_unavailable", "the server is busy; retry shortly"});
    res.set(http::field::retry_after, "1");
    return res;
  }
  static Response method_not_allowed(const Request& req, std::string_view allow) {
    auto res = json_response(req, http::status::method_not_allowed,
                             json::object{{"error", "invalid_request"}, {"error_description", "method not allowed"}});
    res.set(http::field::allow, allow);
    return res;
  }

  void maintenance() {
    auto t = now();
    auto last = last_maintenance_.load();
    if (t - last < opt_.key_reload_interval.count()) return;
    if (!last_maintenance_.compare_exchange_strong(last, t)) return;
    // Storage work: on the pool, never on the serving thread that happened to pass by.
    pool_.post([this, t] {
      (void)keys_.reload_if_changed(t);
      (void)store_->purge(t);
    });
    std::lock_guard lock(mu_);
    std::erase_if(sessions_, [&](auto& kv) { return kv.second.expires_at <= t; });
    std::erase_if(pending_, [&](auto& kv) { return kv.second.expires_at <= t; });
    std::erase_if(cimd_cache_, [&](auto& kv) { return kv.second.second <= t; });
    std::erase_if(seen_jtis_, [&](auto& kv) { return kv.second <= t; });
  }

  // ---------------------------------------------------------------- clients

  // A registered client, or a metadata document client fetched (and cached) on first sight.
  net::awaitable<Result<std::optional<ClientRecord>>> find_client(std::string_view client_id) {
    auto c = co_await pool_.run([&] { return store_->get_client(client_id); });
    if (!c) co_return fail(c.error().message);
    if (*c) co_return c;
    if (!opt_.cimd_enabled || !is_client_id_url(client_id, opt_.cimd_allow_private_addresses))
      co_return std::optional<ClientRecord>();
    std::string id(client_id);
    {
      std::lock_guard lock(mu_);
      auto it = cimd_cache_.find(id);
      if (it != cimd_cache_.end() && it->second.second > now()) co_return std::optional<ClientRecord>(it->second.first);
    }
    auto body = co_await fetcher_->fetch(id);
    if (!body) co_return fail(body.error().message);
    RedirectPolicy policy{true, {}};
    auto parsed = parse_client_metadata_document(*body, id, policy, {opt_.cimd_max_bytes, 16, 2048});
    if (!parsed) co_return fail("metadata document: " + parsed.error().description);
    parsed->created_at = now();
    std::lock_guard lock(mu_);
    if (cimd_cache_.size() >= opt_.cimd_cache_entries) cimd_cache_.erase(cimd_cache_.begin());
    cimd_cache_[id] = {*parsed, now() + opt_.cimd_cache_ttl.count()};
    co_return std::optional<ClientRecord>(*parsed);
  }

  const ProtectedResource* find_resource(std::string_view r) const {
    for (auto& p : opt_.resources)
      if (p.resource == r) return &p;
    return nullptr;
  }

  // ---------------------------------------------------------------- authorization endpoint

  std::string error_redirect(const std::string& redirect_uri, std::string_view error, std::string_view description,
                             const std::string& state) const {
    std::string url = redirect_uri + (redirect_uri.find('?') == std::string::npos ? "?" : "&");
    url += "error=" + percent_encode(error);
    if (!description.empty()) url += "&error_description=" + percent_encode(description);
    if (!state.empty()) url += "&state=" + percent_encode(state);
    url += "&iss=" + percent_encode(opt_.issuer);  // RFC 9207: errors too
    return url;
  }

  net::awaitable<Response> authorize_request(Exchange& ex, std::string_view query) {
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
      co_return error_page(req, http::status::bad_request, "Invalid request",
                           "The request names no client (client_id).");
    auto client = co_await find_client(client_id);
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
    auto redirect_error = [&](std::string_view error, std::string_view description) {
      return redirect(req, error_redirect(redirect_uri, error, description, state), http::status::found);
    };
    if (get("response_type") != "code")
      co_return redirect_error("unsupported_response_type", "only response_type=code is supported");
    if (!contains(c.grant_types, "authorization_code"))
      co_return redirect_error("unauthorized_client", "the client may not use the authorization code grant");
    // state is required: it is the client's CSRF defence, and a client that forgets it would
    // accept any code injected into its redirect URI.
    if (state.empty()) co_return redirect_error("invalid_request", "state is required");
    if (params->contains("request") || params->contains("request_uri"))
      co_return redirect_error("request_not_supported", "request objects are not supported");
    auto challenge = get("code_challenge");
    auto method = get("code_challenge_method");
    // PKCE is mandatory and only S256: "plain" (the default when the method is omitted, RFC 7636
    // §4.3) gives no protection against a code intercepted on its way back.
    if (challenge.empty()) co_return redirect_error("invalid_request", "code_challenge is required (PKCE)");
    if (method != "S256") co_return redirect_error("invalid_request", "code_challenge_method must be S256");
    if (challenge.size() != 43 || !pkce_text(challenge))
      co_return redirect_error("invalid_request", "code_challenge is not a base64url SHA-256 value");
    auto resource = get("resource");
    if (resource.empty()) co_return redirect_error("invalid_target", "resource is required (RFC 8707)");
    auto* res = find_resource(resource);
    if (!res) co_return redirect_error("invalid_target", "resource is not a protected resource of this server");
    auto scopes = co_await allowed_scopes(get("scope"), *res, c);
    if (!scopes) co_return redirect_error("invalid_scope", scopes.error());

    auto prompt = split_scope(get("prompt"));
    bool prompt_none = contains(prompt, "none");
    if (prompt_none && prompt.size() > 1) co_return redirect_error("invalid_request", "prompt=none cannot be combined");

    auto sid = session_cookie(req);
    Session session;
    bool have_session = false;
    {
      std::lock_guard lock(mu_);
      auto it = sessions_.find(sid);
      if (it != sessions_.end() && it->second.expires_at > now()) {
        session = it->second;
        have_session = true;
      }
    }
    bool logged_in = have_session && !session.user.empty() && !contains(prompt, "login");
    if (prompt_none && !logged_in) co_return redirect_error("login_required", "the user is not signed in");

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
        if (ok && *ok) return issue_code(req, p, session);
        return std::nullopt;
      });
      if (issued) co_return std::move(*issued);
    }
    if (prompt_none) co_return redirect_error("consent_required", "the user has not approved this client");

    std::string set_cookie;
    if (!have_session) {
      sid = random_.token(32);
      session = Session{random_.token(24), {}, 0, now() + opt_.login_session_ttl.count()};
      std::lock_guard lock(mu_);
      bound_insert(sessions_, sid, session);
      set_cookie = cookie_value(sid);
    } else if (contains(prompt, "login")) {
      std::lock_guard lock(mu_);
      sessions_[sid].user.clear();
      session.user.clear();
    }
    p.session_id = sid;
    auto request_id = random_.token(24);
    {
      std::lock_guard lock(mu_);
      bound_insert(pending_, request_id, p);
    }
    Response out =
        logged_in ? consent_page(req, request_id, p, session) : login_page(req, request_id, p, session, "", "");
    if (!set_cookie.empty()) out.set(http::field::set_cookie, set_cookie);
    co_return out;
  }

  template <class Map, class V>
  void bound_insert(Map& m, const std::string& k, V v) {
    // Bounded: unauthenticated requests create these. The oldest-looking entry goes first.
    constexpr std::size_t kMax = 100'000;
    if (m.size() >= kMax) {
      auto t = now();
      std::erase_if(m, [&](auto& kv) { return kv.second.expires_at <= t; });
      if (m.size() >= kMax) m.erase(m.begin());
    }
    m[k] = std::move(v);
  }

  net::awaitable<expected<std::vector<std::string>, std::string>> allowed_scopes(std::string_view requested,
                                                                                 const ProtectedResource& res,
                                                                                 const ClientRecord& c) {
    std::vector<std::string> scopes = requested.empty() ? res.default_scopes : split_scope(requested);
    // An administrator's scope list restricts a pre-registered client. A self-registered client's
    // `scope` (RFC 7591 §2) is what it asked for at registration — MCP clients send the scope of
    // the first 401 challenge there — so it may not forbid the step-up that a later 403
    // insufficient_scope asks for (MCP authorization, "Scope Challenge Handling"); the user's
    // consent still decides.
    auto client_scopes = c.kind == ClientKind::preregistered ? split_scope(c.scope) : std::vector<std::string>{};
    for (auto& s : scopes) {
      if (!valid_scope_token(s)) co_return unexpected<std::string>("malformed scope");
      if (!contains(res.scopes_supported, s))
        co_return unexpected<std::string>("scope is not supported by the resource");
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
  std::optional<Response> restrict_to_user(const Request& req, Pending& p, const std::string& username) {
    auto refuse = [&](std::string_view error, std::string_view description) {
      return redirect(req, error_redirect(p.redirect_uri, error, description, p.state),
                      req.method() == http::verb::post ? http::status::see_other : http::status::found);
    };
    auto user = store_->get_user(username);
    if (!user) return refuse("server_error", "storage failure");
    // A session outliving its user (removed by an administrator) grants nothing.
    if (!*user) return refuse("access_denied", "the user no longer exists");
    auto g = grant_for_user(p.requested, (*user)->scope);
    p.scopes = std::move(g.granted);
    p.withheld = std::move(g.withheld);
    if (p.scopes.empty() && !p.withheld.empty())
      return refuse("access_denied", "none of the requested scopes is available to this user");
    return std::nullopt;
  }

  Response login_page(const Request& req, const std::string& request_id, const Pending& p, const Session& s,
                      std::string_view username, std::string_view error, http::status status = http::status::ok) {
    LoginPage page{prefix_ + "/authorize/login",
                   request_id,
                   s.csrf,
                   p.client.client_name.empty() ? p.client.client_id : p.client.client_name,
                   std::string(username),
                   std::string(error)};
    return html(req, status, [&](std::string_view n) { return render_login(page, n); });
  }

  Response consent_page(const Request& req, const std::string& request_id, const Pending& p, const Session& s) {
    bool local = true;
    for (auto& r : p.client.redirect_uris) local &= is_loopback_redirect(r);
    ConsentPage page{prefix_ + "/authorize/consent",
                     request_id,
                     s.csrf,
                     s.user,
                     p.client.client_name.empty() ? p.client.client_id : p.client.client_name,
                     p.client.client_id,
                     host_of(p.redirect_uri),
                     p.client.kind == ClientKind::metadata_document ? host_of(p.client.client_id) : std::string(),
                     local && p.client.kind != ClientKind::preregistered,
                     p.scopes,
                     p.resource,
                     p.withheld};
    return html(req, http::status::ok, [&](std::string_view n) { return render_consent(page, n); });
  }

  Response issue_code(const Request& req, const Pending& p, const Session& s) {
    auto code = random_.token(32);
    AuthorizationCode rec{sha256_hex(code), p.client.client_id, p.redirect_uri,
                          p.code_challenge, p.resource,         join_scope(p.scopes),
                          s.user,           s.auth_time,        now() + opt_.code_ttl.count()};
    if (auto r = store_->put_code(rec); !r)
      return redirect(req, error_redirect(p.redirect_uri, "server_error", "storage failure", p.state),
                      http::status::see_other);
    std::string url = p.redirect_uri + (p.redirect_uri.find('?') == std::string::npos ? "?" : "&");
    url += "code=" + percent_encode(code) + "&state=" + percent_encode(p.state) + "&iss=" + percent_encode(opt_.issuer);
    return redirect(req, url, req.method() == http::verb::post ? http::status::see_other : http::status::found);
  }

  // The session, pending request and CSRF token of a login or consent form post, checked.
  struct FormContext {
    Params params;
    std::string session_id;
    Session session;
    std::string request_id;
    Pending pending;
  };
  expected<FormContext, Response> form_context(const Request& req) {
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
    std::lock_guard lock(mu_);
    auto s = sessions_.find(ctx.session_id);
    if (ctx.session_id.empty() || s == sessions_.end() || s->second.expires_at <= now())
      return bad("Your sign-in session has expired or cookies are disabled. Start again from the application.");
    // CSRF: the token is bound to this browser's session cookie; a cross-site form cannot read it.
    if (!constant_time_equal(s->second.csrf, csrf->second))
      return bad("The form is stale or was not sent by this page.");
    auto p = pending_.find(ctx.request_id);
    if (p == pending_.end() || p->second.expires_at <= now())
      return bad("This authorization request has expired. Start again from the application.");
    // A pending request belongs to the browser that started it.
    if (p->second.session_id != ctx.session_id) return bad("This authorization request belongs to another session.");
    ctx.session = s->second;
    ctx.pending = p->second;
    return ctx;
  }

  // On the pool: Argon2 and storage.
  Response login_post(const Request& req, const std::string& ip) {
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
    if (!login_user_.allowed("u:" + username, t) || !login_ip_.allowed("ip:" + ip, t))
      return login_page(req, ctx->request_id, ctx->pending, ctx->session, username,
                        "Too many failed sign-in attempts. Wait a few minutes and try again.",
                        http::status::too_many_requests);
    auto user = store_->get_user(username);
    bool ok;
    {
      // Bounded: each verification holds 19 MiB, and a login flood must not hold one per thread.
      // Unknown users wait for the same slot, so the wait reveals nothing either.
      hash_slots_.acquire();
      if (user && *user) {
        ok = verify_password(password, (*user)->password_hash);
      } else {
        (void)verify_password(password, dummy_password_hash());  // same cost for unknown users
        ok = false;
      }
      hash_slots_.release();
    }
    if (!ok) {
      login_user_.record("u:" + username, t);
      login_ip_.record("ip:" + ip, t);
      return login_page(req, ctx->request_id, ctx->pending, ctx->session, username, "Wrong username or password.",
                        http::status::unauthorized);
    }
    login_user_.reset("u:" + username);
    // Session fixation: a new session id (and CSRF token) at the moment of authentication.
    auto sid = random_.token(32);
    Session s{random_.token(24), username, now(), now() + opt_.login_session_ttl.count()};
    {
      std::lock_guard lock(mu_);
      sessions_.erase(ctx->session_id);
      bound_insert(sessions_, sid, s);
      auto p = pending_.find(ctx->request_id);
      if (p != pending_.end()) p->second.session_id = sid;
    }
    ctx->pending.session_id = sid;
    Response out;
    if (auto refused = restrict_to_user(req, ctx->pending, username)) {
      std::lock_guard lock(mu_);
      pending_.erase(ctx->request_id);
      out = std::move(*refused);
      out.set(http::field::set_cookie, cookie_value(sid));
      return out;
    }
    {
      // consent_post reads the pending request back: it must see the narrowed scopes.
      std::lock_guard lock(mu_);
      if (auto p = pending_.find(ctx->request_id); p != pending_.end()) {
        p->second.scopes = ctx->pending.scopes;
        p->second.withheld = ctx->pending.withheld;
      }
    }
    auto consent = store_->has_consent(username, ctx->pending.client.client_id, ctx->pending.resource,
                                       join_scope(ctx->pending.scopes));
    if (!ctx->pending.force_consent && consent && *consent) {
      {
        std::lock_guard lock(mu_);
        pending_.erase(ctx->request_id);
      }
      out = issue_code(req, ctx->pending, s);
    } else {
      out = consent_page(req, ctx->request_id, ctx->pending, s);
    }
    out.set(http::field::set_cookie, cookie_value(sid));
    return out;
  }

  // On the pool: storage.
  Response consent_post(const Request& req) {
    auto ctx = form_context(req);
    if (!ctx) return std::move(ctx.error());
    if (ctx->session.user.empty()) return error_page(req, http::status::forbidden, "Request refused", "Sign in first.");
    {
      std::lock_guard lock(mu_);
      pending_.erase(ctx->request_id);  // one decision per request
    }
    auto decision = ctx->params.find("decision");
    auto& p = ctx->pending;
    if (decision == ctx->params.end() || decision->second != "approve")
      return redirect(req, error_redirect(p.redirect_uri, "access_denied", "the user denied the request", p.state),
                      http::status::see_other);
    (void)store_->put_consent(ctx->session.user, p.client.client_id, p.resource, join_scope(p.scopes), now());
    return issue_code(req, p, ctx->session);
  }

  // ---------------------------------------------------------------- client authentication

  // RFC 6749 §2.3, RFC 7523 §2.2. Exactly one method; it must be the client's registered one (a
  // confidential client cannot fall back to "none").
  net::awaitable<OAuthResult<AuthenticatedClient>> authenticate_client(const Request& req, const Params& params,
                                                                       bool require_confidential) {
    auto basic_header = req[http::field::authorization];
    bool has_basic = !basic_header.empty();
    bool has_assertion = params.contains("client_assertion") || params.contains("client_assertion_type");
    bool has_post = params.contains("client_secret");
    int methods = int(has_basic) + int(has_assertion) + int(has_post);
    auto invalid = [&](std::string d) {
      auto e = OAuthError{401, "invalid_client", std::move(d), has_basic};
      return unexpected<OAuthError>(e);
    };
    if (methods > 1) co_return oauth_error("invalid_request", "use exactly one client authentication method");
    std::string client_id;
    std::optional<BasicCredentials> basic;
    if (has_basic) {
      basic = parse_basic_auth(basic_header);
      if (!basic) co_return invalid("malformed Basic credentials");
    }
    auto body_id = params.find("client_id");
    // Basic: the RFC 6749 §2.3.1 reading (both parts form-decoded), then the raw one (both parts as
    // sent). A reading is an id and a secret together: the encoded id of one reading never pairs
    // with the secret of the other, so the fallback accepts no credential that neither reading
    // proves on its own (see docs/authorization-server.md, "Client authentication").
    std::optional<ClientRecord> client;
    bool basic_proved = false;
    if (basic) {
      std::pair<const std::string*, const Secret*> readings[] = {{&basic->client_id, &basic->client_secret},
                                                                 {&basic->raw_client_id, &basic->raw_client_secret}};
      for (auto [id, secret] : readings) {
        auto c = co_await find_client(*id);
        if (!c || !*c) continue;
        bool proved =
            !(*c)->secret_hash.empty() && constant_time_equal(sha256_hex(secret->reveal()), (*c)->secret_hash);
        if (!client || proved) client = **c;
        if (proved) {
          basic_proved = true;
          break;
        }
      }
      if (client && body_id != params.end() && body_id->second != client->client_id)
        co_return oauth_error("invalid_request", "client_id does not match the authenticated client");
    } else if (has_assertion) {
      auto a = params.find("client_assertion");
      if (a == params.end() || params.find("client_assertion_type") == params.end() ||
          params.find("client_assertion_type")->second != kClientAssertionType)
        co_return invalid("client_assertion_type must be " + std::string(kClientAssertionType));
      auto jws = oauth::parse_jws(a->second);
      if (!jws) co_return invalid("client_assertion is not a JWT");
      auto claims = parse_json(jws->payload, {16, 16 * 1024});
      if (!claims || !claims->is_object()) co_return invalid("client_assertion is not a JWT");
      auto* sub = claims->as_object().if_contains("sub");
      if (!sub || !sub->is_string()) co_return invalid("client_assertion has no sub");
      client_id = std::string(sub->as_string());
      if (body_id != params.end() && body_id->second != client_id)
        co_return oauth_error("invalid_request", "client_id does not match the client assertion");
      auto c = co_await find_client(client_id);
      if (c && *c) client = **c;
    } else {
      if (body_id == params.end()) co_return invalid("client authentication is required");
      auto c = co_await find_client(body_id->second);
      if (c && *c) client = **c;
    }
    if (!client) co_return invalid("client authentication failed");

    const auto& m = client->token_endpoint_auth_method;
    std::string used = has_basic       ? "client_secret_basic"
                       : has_assertion ? "private_key_jwt"
                       : has_post      ? "client_secret_post"
                                       : "none";
    // A client registered for Basic may also use post and vice versa (both prove the secret).
    bool secret_method = (m == "client_secret_basic" || m == "client_secret_post") &&
                         (used == "client_secret_basic" || used == "client_secret_post");
    if (used != m && !secret_method) co_return invalid("client authentication failed");
    if (used == "client_secret_basic" || used == "client_secret_post") {
      bool ok = false;
      if (used == "client_secret_basic") {
        ok = basic_proved;
      } else {
        ok = constant_time_equal(sha256_hex(params.find("client_secret")->second), client->secret_hash);
      }
      if (client->secret_hash.empty() || !ok) co_return invalid("client authentication failed");
    } else if (used == "private_key_jwt") {
      auto r =
          co_await pool_.run([&] { return verify_client_assertion(params.find("client_assertion")->second, *client); });
      if (!r) co_return invalid(r.error());
    }
    if (require_confidential && used == "none") co_return invalid("this endpoint requires an authenticated client");
    co_return AuthenticatedClient{*client, used};
  }

  // RFC 7523 §3: iss = sub = client_id, aud = our token endpoint or issuer, exp, single-use jti.
  expected<void, std::string> verify_client_assertion(std::string_view assertion, const ClientRecord& c) {
    using E = unexpected<std::string>;
    auto keys = oauth::parse_jwks(c.jwks);
    if (!keys) return E("the client has no usable keys");
    auto jws = oauth::parse_jws(assertion);
    if (!jws) return E("client_assertion is malformed");
    if (oauth::family(jws->header.alg) == oauth::AlgorithmFamily::hmac)
      return E("client_assertion must be signed with a private key");
    bool verified = false;
    for (auto& k : keys->candidates(jws->header.kid, jws->header.alg))
      if (oauth::default_verifier().verify(jws->header.alg, *k, jws->signing_input, jws->signature)) {
        verified = true;
        break;
      }
    if (!verified) return E("client_assertion signature is invalid");
    auto claims = parse_json(jws->payload, {16, 16 * 1024});
    if (!claims || !claims->is_object()) return E("client_assertion is malformed");
    auto& o = claims->as_object();
    auto str = [&](std::string_view k) -> std::string {
      auto* v = o.if_contains(k);
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    if (str("iss") != c.client_id || str("sub") != c.client_id)
      return E("client_assertion iss and sub must be the client_id");
    auto* aud = o.if_contains("aud");
    bool aud_ok = false;
    auto aud_match = [&](std::string_view a) { return a == opt_.issuer || a == endpoint("/token"); };
    if (aud && aud->is_string()) aud_ok = aud_match(aud->as_string());
    if (aud && aud->is_array())
      for (auto& a : aud->as_array()) aud_ok |= a.is_string() && aud_match(a.as_string());
    if (!aud_ok) return E("client_assertion aud must be this server");
    auto* expv = o.if_contains("exp");
    auto exp = expv ? oauth::numeric_date(*expv) : std::nullopt;
    if (!exp || *exp <= now() || *exp > now() + 3600)
      return E("client_assertion exp is missing, past or too far ahead");
    auto jti = str("jti");
    if (jti.empty()) return E("client_assertion needs a jti");
    // Replay: each assertion is accepted once while it is unexpired.
    std::lock_guard lock(mu_);
    auto key = "ca:" + c.client_id + ":" + jti;
    if (seen_jtis_.contains(key)) return E("client_assertion was already used");
    if (seen_jtis_.size() < 1'000'000) seen_jtis_[key] = *exp;
    return {};
  }

  // ---------------------------------------------------------------- tokens

  struct Minted {
    std::string token;
    std::string jti;
    Seconds expires_at = 0;
  };
  Result<Minted> mint_access_token(std::string_view subject, std::string_view client_id, std::string_view resource,
                                   std::string_view scope, const json::object& extra = {}) {
    auto key = keys_.current();
    if (!key) return fail("no signing key");
    Seconds iat = now();
    Minted m{{}, random_.token(18), iat + opt_.access_token_ttl.count()};
    json::object claims{{"iss", opt_.issuer},  {"sub", subject}, {"aud", resource}, {"client_id", client_id},
                        {"exp", m.expires_at}, {"iat", iat},     {"jti", m.jti}};
    if (!scope.empty()) claims["scope"] = scope;
    for (auto& kv : extra) claims[kv.key()] = kv.value();
    auto t = oauth::mint_token(key->key, oauth::MintRequest{key->alg, key->record.kid, "at+jwt", std::move(claims)});
    if (!t) return fail(t.error().message);
    m.token = std::move(*t);
    return m;
  }

  json::object token_body(const Minted& at, std::string_view scope, const std::string& refresh = {}) const {
    json::object body{
        {"access_token", at.token}, {"token_type", "Bearer"}, {"expires_in", opt_.access_token_ttl.count()}};
    if (!scope.empty()) body["scope"] = scope;
    if (!refresh.empty()) body["refresh_token"] = refresh;
    return body;
  }

  net::awaitable<Response> token_request(Exchange& ex) {
    const auto& req = ex.request();
    auto fail_with = [&](const OAuthError& e) { return error_json(req, e); };
    if (!req[http::field::content_type].starts_with("application/x-www-form-urlencoded"))
      co_return fail_with({400, "invalid_request", "the body must be application/x-www-form-urlencoded"});
    auto params = parse_form(req.body());
    if (!params) co_return fail_with({400, "invalid_request", std::string(describe(params.error()))});
    auto grant = params->find("grant_type");
    if (grant == params->end()) co_return fail_with({400, "invalid_request", "grant_type is required"});
    auto client = co_await authenticate_client(req, *params, false);
    if (!client) co_return fail_with(client.error());
    if (!contains(client->client.grant_types, grant->second))
      co_return fail_with({400, "unauthorized_client", "the client may not use this grant type"});
    // Storage (group commit: the answer waits for the durable write) and signing, on the pool.
    OAuthResult<json::object> r = co_await pool_.run([&] { return run_grant(grant->second, *params, *client); });
    if (!r) co_return fail_with(r.error());
    co_return json_response(req, http::status::ok, *r);
  }

  OAuthResult<json::object> run_grant(const std::string& g, const Params& params, const AuthenticatedClient& client) {
    if (g == "authorization_code") return code_grant(params, client);
    if (g == "refresh_token") return refresh_grant(params, client);
    if (g == "client_credentials") return client_credentials_grant(params, client);
    if (g == kTokenExchange) return token_exchange_grant(params, client);
    if (g == kJwtBearer) return jwt_bearer_grant(params, client);
    return oauth_error("unsupported_grant_type", "grant_type is not supported");
  }

  OAuthResult<json::object> code_grant(const Params& p, const AuthenticatedClient& client) {
    auto get = [&](std::string_view k) {
      auto it = p.find(k);
      return it == p.end() ? std::string() : it->second;
    };
    auto code = get("code");
    auto verifier = get("code_verifier");
    auto redirect_uri = get("redirect_uri");
    auto resource = get("resource");
    if (code.empty()) return oauth_error("invalid_request", "code is required");
    if (verifier.empty()) return oauth_error("invalid_request", "code_verifier is required (PKCE)");
    if (!pkce_text(verifier)) return oauth_error("invalid_grant", "code_verifier is malformed");
    if (redirect_uri.empty()) return oauth_error("invalid_request", "redirect_uri is required");
    auto family = random_.token(18);
    bool refresh = contains(client.client.grant_types, "refresh_token");
    auto refresh_token = random_.token(32);
    auto t = now();
    std::optional<RefreshToken> rt;
    if (refresh)
      rt = RefreshToken{sha256_hex(refresh_token), family, {}, {}, {}, {}, t + opt_.refresh_token_ttl.count()};
    auto jti = random_.token(18);
    IssuedToken issued{jti, family, t + opt_.access_token_ttl.count()};
    auto check = [&](const AuthorizationCode& c) {
      // The code is bound to the client, the exact redirect URI, the PKCE challenge and the resource.
      return c.client_id == client.client.client_id && c.redirect_uri == redirect_uri &&
             constant_time_equal(sha256_b64url(verifier), c.code_challenge) &&
             (resource.empty() || resource == c.resource);
    };
    auto redeemed = store_->redeem_code(sha256_hex(code), t, check, family, rt, issued);
    if (!redeemed) {
      switch (redeemed.error()) {
        case RedeemError::already_redeemed:
          reload_revocations();
          return oauth_error("invalid_grant",
                             "the authorization code was already used; tokens issued from it are revoked");
        case RedeemError::expired:
          return oauth_error("invalid_grant", "the authorization code has expired");
        case RedeemError::mismatch:
          return oauth_error("invalid_grant",
                             "client, redirect_uri, code_verifier or resource does not match the code");
        case RedeemError::storage:
          return oauth_error("server_error", "storage failure", 500);
        case RedeemError::not_found:
          break;
      }
      return oauth_error("invalid_grant", "the authorization code is invalid");
    }
    auto& c = *redeemed;
    json::object extra{{"auth_time", c.auth_time}};
    auto at = mint_with_jti(c.subject, c.client_id, c.resource, c.scope, jti, extra);
    if (!at) return oauth_error("server_error", "could not sign the token", 500);
    return token_body(*at, c.scope, refresh ? refresh_token : std::string());
  }

  // Like mint_access_token, with a jti chosen before the store transaction recorded it.
  Result<Minted> mint_with_jti(std::string_view sub, std::string_view client_id, std::string_view resource,
                               std::string_view scope, const std::string& jti, json::object extra = {}) {
    extra["jti"] = jti;
    auto m = mint_access_token(sub, client_id, resource, scope, extra);
    if (m) m->jti = jti;
    return m;
  }

  OAuthResult<json::object> refresh_grant(const Params& p, const AuthenticatedClient& client) {
    auto it = p.find("refresh_token");
    if (it == p.end()) return oauth_error("invalid_request", "refresh_token is required");
    auto hash = sha256_hex(it->second);
    auto t = now();
    auto current = store_->get_refresh(hash, t);
    if (!current) return oauth_error("server_error", "storage failure", 500);
    std::string scope;
    if (*current) {
      // A refresh may narrow the scope, never widen it (RFC 6749 §6); the resource is fixed.
      scope = (*current)->scope;
      if (auto s = p.find("scope"); s != p.end()) {
        auto granted = split_scope((*current)->scope);
        for (auto& w : split_scope(s->second))
          if (!contains(granted, w)) return oauth_error("invalid_scope", "scope exceeds the original grant");
        scope = join_scope(split_scope(s->second));
      }
      if (auto r = p.find("resource"); r != p.end() && r->second != (*current)->resource)
        return oauth_error("invalid_target", "resource does not match the grant");
    }
    auto next_token = random_.token(32);
    auto jti = random_.token(18);
    RefreshToken next{sha256_hex(next_token), {}, {}, {}, {}, {}, t + opt_.refresh_token_ttl.count()};
    auto rotated = store_->rotate_refresh(hash, client.client.client_id, t, next,
                                          IssuedToken{jti, {}, t + opt_.access_token_ttl.count()});
    if (!rotated) {
      switch (rotated.error()) {
        case RefreshError::reused:
          reload_revocations();
          return oauth_error("invalid_grant", "refresh token reuse detected; the grant is revoked");
        case RefreshError::storage:
          return oauth_error("server_error", "storage failure", 500);
        default:
          return oauth_error("invalid_grant", "the refresh token is invalid, expired or revoked");
      }
    }
    if (!*current) scope = rotated->scope;  // raced with another rotation that then failed; be exact
    // The user's allowed scopes may have shrunk since the grant (an administrator took a scope
    // away): a refreshed token never carries a scope the user may no longer have.
    if (auto u = store_->get_user(rotated->subject); u && *u && !(*u)->scope.empty())
      scope = join_scope(grant_for_user(split_scope(scope), (*u)->scope).granted);
    auto at = mint_with_jti(rotated->subject, rotated->client_id, rotated->resource, scope, jti);
    if (!at) return oauth_error("server_error", "could not sign the token", 500);
    return token_body(*at, scope, next_token);
  }

  OAuthResult<const ProtectedResource*> target_resource(const Params& p) {
    auto r = p.find("resource");
    auto a = p.find("audience");
    std::string target = r != p.end() ? r->second : a != p.end() ? a->second : std::string();
    if (target.empty()) return oauth_error("invalid_target", "resource is required (RFC 8707)");
    if (r != p.end() && a != p.end() && r->second != a->second)
      return oauth_error("invalid_target", "resource and audience name different targets");
    auto* res = find_resource(target);
    if (!res) return oauth_error("invalid_target", "resource is not a protected resource of this server");
    return res;
  }

  OAuthResult<std::string> narrow_scope(const Params& p, const ProtectedResource& res,
                                        const std::vector<std::string>& ceiling,
                                        const std::vector<std::string>& fallback) {
    auto s = p.find("scope");
    std::vector<std::string> scopes = s == p.end() ? fallback : split_scope(s->second);
    std::vector<std::string> out;
    for (auto& w : scopes) {
      if (!valid_scope_token(w)) return oauth_error("invalid_scope", "malformed scope");
      bool ok = contains(res.scopes_supported, w) && (ceiling.empty() || contains(ceiling, w));
      if (!ok) {
        if (s != p.end()) return oauth_error("invalid_scope", "scope is not allowed");
        continue;  // fallback scopes are silently intersected
      }
      out.push_back(w);
    }
    return join_scope(out);
  }

  OAuthResult<json::object> client_credentials_grant(const Params& p, const AuthenticatedClient& client) {
    if (client.method == "none")
      return oauth_error("unauthorized_client", "client_credentials needs client authentication");
    auto res = target_resource(p);
    if (!res) return unexpected(res.error());
    auto client_scopes = split_scope(client.client.scope);
    auto scope = narrow_scope(p, **res, client_scopes, client_scopes.empty() ? (*res)->default_scopes : client_scopes);
    if (!scope) return unexpected(scope.error());
    auto at = mint_access_token(client.client.client_id, client.client.client_id, (*res)->resource, *scope);
    if (!at) return oauth_error("server_error", "could not sign the token", 500);
    // Not recorded: a token outside any family is revoked (RFC 7009) from its own jti and exp and
    // introspected by its signature and the revocation set, so no record of it is needed for
    // either, and the answer need not wait for a commit (docs/authorization-server.md, "What
    // each write is durable for").
    return token_body(*at, *scope);
  }

  // An access token this server issued, verified (signature, issuer, expiry, revocation).
  expected<json::object, std::string> verify_own_token(std::string_view token) {
    using E = unexpected<std::string>;
    auto jws = oauth::parse_jws(token);
    if (!jws) return E("not a JWT");
    if (!jws->header.typ || *jws->header.typ != "at+jwt" || !jws->header.kid) return E("not an access token");
    auto key = keys_.find(*jws->header.kid);
    if (!key || !key->verifier || jws->header.alg != key->alg) return E("unknown key");
    if (!oauth::default_verifier().verify(jws->header.alg, *key->verifier, jws->signing_input, jws->signature))
      return E("bad signature");
    auto claims = parse_json(jws->payload, {16, 16 * 1024});
    if (!claims || !claims->is_object()) return E("malformed");
    auto& o = claims->as_object();
    auto* iss = o.if_contains("iss");
    if (!iss || !iss->is_string() || iss->as_string() != opt_.issuer) return E("wrong issuer");
    auto* expv = o.if_contains("exp");
    auto exp = expv ? oauth::numeric_date(*expv) : std::nullopt;
    if (!exp || *exp <= now()) return E("expired");
    auto* jti = o.if_contains("jti");
    if (!jti || !jti->is_string() || is_revoked(jti->as_string())) return E("revoked");
    return o;
  }

  OAuthResult<json::object> token_exchange_grant(const Params& p, const AuthenticatedClient& client) {
    if (client.method == "none")
      return oauth_error("unauthorized_client", "token exchange needs client authentication");
    auto st = p.find("subject_token");
    auto stt = p.find("subject_token_type");
    if (st == p.end() || stt == p.end())
      return oauth_error("invalid_request", "subject_token and subject_token_type are required");
    if (stt->second != kAccessTokenType && stt->second != kJwtTokenType)
      return oauth_error("invalid_request", "subject_token_type must be an access token");
    if (p.contains("actor_token")) return oauth_error("invalid_request", "actor_token is not supported");
    if (auto rt = p.find("requested_token_type"); rt != p.end() && rt->second != kAccessTokenType)
      return oauth_error("invalid_request", "only access tokens can be requested");
    auto subject = verify_own_token(st->second);
    if (!subject) return oauth_error("invalid_grant", "subject_token is not a valid access token of this server");
    auto res = target_resource(p);
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
    auto scope = narrow_scope(p, **res, subject_scopes.empty() ? std::vector<std::string>{"\x01"} : subject_scopes,
                              subject_scopes);
    if (!scope) return unexpected(scope.error());
    // RFC 8693 §4.1: the current actor is the exchanging client; earlier actors nest inside.
    json::object act{{"sub", client.client.client_id}};
    if (auto* prior = subject->if_contains("act")) act["act"] = *prior;
    auto* sub = subject->if_contains("sub");
    std::string sub_s = sub && sub->is_string() ? std::string(sub->as_string()) : std::string();
    auto at = mint_access_token(sub_s, client.client.client_id, (*res)->resource, *scope, json::object{{"act", act}});
    if (!at) return oauth_error("server_error", "could not sign the token", 500);
    // Not recorded, as in client_credentials_grant.
    auto body = token_body(*at, *scope);
    body["issued_token_type"] = kAccessTokenType;
    return body;
  }

  // MCP enterprise-managed authorization: redeem an Identity Assertion JWT Authorization Grant
  // (ID-JAG) from a trusted IdP (RFC 7523 §2.1 grant, draft-ietf-oauth-identity-assertion-authz-grant).
  OAuthResult<json::object> jwt_bearer_grant(const Params& p, const AuthenticatedClient& client) {
    auto a = p.find("assertion");
    if (a == p.end()) return oauth_error("invalid_request", "assertion is required");
    auto jws = oauth::parse_jws(a->second);
    if (!jws) return oauth_error("invalid_grant", "assertion is not a JWT");
    if (!jws->header.typ || *jws->header.typ != "oauth-id-jag+jwt")
      return oauth_error("invalid_grant", "assertion typ must be oauth-id-jag+jwt");
    if (oauth::family(jws->header.alg) == oauth::AlgorithmFamily::hmac)
      return oauth_error("invalid_grant", "assertion must be signed with a private key");
    auto claims = parse_json(jws->payload, {16, 16 * 1024});
    if (!claims || !claims->is_object()) return oauth_error("invalid_grant", "assertion is malformed");
    auto& o = claims->as_object();
    auto str = [&](std::string_view k) -> std::string {
      auto* v = o.if_contains(k);
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    const TrustedIdpKeys* idp = nullptr;
    for (auto& i : idps_)
      if (i.issuer == str("iss")) idp = &i;
    if (!idp) return oauth_error("invalid_grant", "assertion issuer is not trusted");
    bool verified = false;
    for (auto& k : idp->keys.candidates(jws->header.kid, jws->header.alg))
      if (oauth::default_verifier().verify(jws->header.alg, *k, jws->signing_input, jws->signature)) {
        verified = true;
        break;
      }
    if (!verified) return oauth_error("invalid_grant", "assertion signature is invalid");
    auto* aud = o.if_contains("aud");
    bool aud_ok = aud && ((aud->is_string() && aud->as_string() == opt_.issuer) ||
                          (aud->is_array() && aud->as_array().size() == 1 && aud->as_array()[0].is_string() &&
                           aud->as_array()[0].as_string() == opt_.issuer));
    if (!aud_ok) return oauth_error("invalid_grant", "assertion aud must be this authorization server");
    // The ID-JAG was issued to one client; another client presenting it is a replay.
    if (str("client_id") != client.client.client_id)
      return oauth_error("invalid_grant", "assertion client_id does not match the authenticated client");
    auto* expv = o.if_contains("exp");
    auto exp = expv ? oauth::numeric_date(*expv) : std::nullopt;
    if (!exp || *exp <= now()) return oauth_error("invalid_grant", "assertion is expired");
    if (auto* iatv = o.if_contains("iat")) {
      auto iat = oauth::numeric_date(*iatv);
      if (!iat || *iat > now() + 60) return oauth_error("invalid_grant", "assertion iat is in the future");
    }
    auto sub = str("sub");
    auto jti = str("jti");
    if (sub.empty() || jti.empty()) return oauth_error("invalid_grant", "assertion needs sub and jti");
    auto resource = str("resource");
    auto* res = find_resource(resource);
    if (!res) return oauth_error("invalid_target", "assertion resource is not a protected resource of this server");
    if (auto r = p.find("resource"); r != p.end() && r->second != resource)
      return oauth_error("invalid_target", "resource does not match the assertion");
    auto granted = split_scope(str("scope"));
    auto scope = narrow_scope(p, *res, granted.empty() ? std::vector<std::string>{"\x01"} : granted, granted);
    if (!scope) return unexpected(scope.error());
    {
      std::lock_guard lock(mu_);
      auto key = "jag:" + idp->issuer + ":" + jti;
      if (seen_jtis_.contains(key)) return oauth_error("invalid_grant", "assertion was already used");
      seen_jtis_[key] = *exp;
    }
    auto at = mint_access_token(sub, client.client.client_id, res->resource, *scope);
    if (!at) return oauth_error("server_error", "could not sign the token", 500);
    // Not recorded, as in client_credentials_grant.
    return token_body(*at, *scope);
  }

  // ---------------------------------------------------------------- introspection, revocation

  net::awaitable<Response> introspect_request(Exchange& ex) {
    const auto& req = ex.request();
    auto params = parse_form(form_body(req));
    if (!params) co_return error_json(req, {400, "invalid_request", std::string(describe(params.error()))});
    // RFC 7662 §2.1: the endpoint must not be a token-scanning oracle for anonymous callers.
    auto client = co_await authenticate_client(req, *params, true);
    if (!client) co_return error_json(req, client.error());
    auto tok = params->find("token");
    if (tok == params->end()) co_return error_json(req, {400, "invalid_request", "token is required"});
    // Signature verification and storage, on the pool.
    auto out = co_await pool_.run([&] { return introspection(tok->second, client->client.client_id); });
    co_return json_response(req, http::status::ok, out);
  }

  json::object introspection(const std::string& token, const std::string& client_id) {
    if (auto at = verify_own_token(token)) {
      json::object out{{"active", true}, {"token_type", "Bearer"}};
      for (auto k : {"iss", "sub", "aud", "client_id", "scope", "exp", "iat", "jti", "act", "auth_time"})
        if (auto* v = at->if_contains(k)) out[k] = *v;
      return out;
    }
    auto rt = store_->get_refresh(sha256_hex(token), now());
    // Refresh tokens are shown only to the client they were issued to.
    if (rt && *rt && (*rt)->client_id == client_id) {
      json::object out{{"active", true},        {"token_type", "refresh_token"}, {"client_id", (*rt)->client_id},
                       {"sub", (*rt)->subject}, {"aud", (*rt)->resource},        {"exp", (*rt)->expires_at},
                       {"iss", opt_.issuer}};
      if (!(*rt)->scope.empty()) out["scope"] = (*rt)->scope;
      return out;
    }
    return json::object{{"active", false}};
  }

  net::awaitable<Response> revoke_request(Exchange& ex) {
    const auto& req = ex.request();
    auto params = parse_form(form_body(req));
    if (!params) co_return error_json(req, {400, "invalid_request", std::string(describe(params.error()))});
    auto client = co_await authenticate_client(req, *params, false);
    if (!client) co_return error_json(req, client.error());
    auto tok = params->find("token");
    if (tok == params->end()) co_return error_json(req, {400, "invalid_request", "token is required"});
    // Storage and signature verification, on the pool.
    bool stored = co_await pool_.run([&] { return revoke(tok->second, client->client.client_id); });
    if (!stored) co_return error_json(req, {503, "server_error", "storage failure"});
    // RFC 7009 §2.2: 200 whether or not the token was valid.
    auto res = base_response(req, http::status::ok);
    res.set(http::field::cache_control, "no-store");
    co_return res;
  }

  // False when the revocation could not be stored.
  bool revoke(const std::string& token, const std::string& client_id) {
    auto t = now();
    auto rt = store_->get_refresh(sha256_hex(token), t);
    if (rt && *rt && (*rt)->client_id == client_id) {
      // Revoking a refresh token revokes its whole grant, access tokens included (RFC 7009 §2.1).
      if (auto r = store_->revoke_family((*rt)->family_id, t); !r) return false;
      reload_revocations();
    } else if (auto at = verify_own_token(token)) {
      auto* cid = at->if_contains("client_id");
      if (cid && cid->is_string() && cid->as_string() == client_id) {
        auto jti = std::string(at->at("jti").as_string());
        auto exp = oauth::numeric_date(at->at("exp")).value_or(t + opt_.access_token_ttl.count());
        if (auto r = store_->revoke_jti(jti, exp); !r) return false;
        std::unique_lock lock(revoked_mu_);
        revoked_.insert(jti);
      }
    }
    return true;
  }

  // Runs on the pool. The serving threads read revoked_ for every MCP request, so the exclusive
  // lock is held only to add what is new, never for the whole set (a pool thread at a lower
  // priority holding it long would stall them).
  void reload_revocations() {
    auto rev = store_->revoked_jtis(now());
    if (!rev) return;
    std::vector<std::string> missing;
    {
      std::shared_lock lock(revoked_mu_);
      for (auto& j : *rev)
        if (!revoked_.contains(j)) missing.push_back(std::move(j));
    }
    if (missing.empty()) return;
    std::unique_lock lock(revoked_mu_);
    revoked_.insert(std::make_move_iterator(missing.begin()), std::make_move_iterator(missing.end()));
  }

  bool is_revoked(std::string_view jti) const {
    std::shared_lock lock(revoked_mu_);
    return revoked_.contains(std::string(jti));
  }

  // ---------------------------------------------------------------- registration

  // On the pool: storage.
  Response register_client(const Request& req, const std::string& ip) {
    auto t = clock_.now();
    if (!dcr_ip_.allowed("dcr:" + ip, t))
      return error_json(req, {429, "invalid_request", "too many registrations from this address; try later"});
    if (!req[http::field::content_type].starts_with("application/json"))
      return error_json(req, {400, "invalid_client_metadata", "the body must be application/json"});
    RedirectPolicy policy{true, opt_.dcr_allowed_redirect_schemes};
    auto c = parse_registration_request(req.body(), policy);
    if (!c) return error_json(req, {400, c.error().error, c.error().description});
    // Self-registered clients get only the user-facing grants: client_credentials, token
    // exchange and jwt-bearer mint tokens without a user's consent, so they need an operator.
    for (auto& g : c->grant_types)
      if (g != "authorization_code" && g != "refresh_token")
        return error_json(
            req, {400, "invalid_client_metadata", "only authorization_code and refresh_token can be self-registered"});
    dcr_ip_.record("dcr:" + ip, t);
    c->client_id = random_.token(18);
    c->created_at = now();
    std::string secret;
    if (c->token_endpoint_auth_method == "client_secret_basic" ||
        c->token_endpoint_auth_method == "client_secret_post") {
      secret = random_.token(32);
      c->secret_hash = sha256_hex(secret);
    }
    if (auto r = store_->put_client(*c); !r) return error_json(req, {500, "server_error", "storage failure"});
    json::object out{{"client_id", c->client_id},
                     {"client_id_issued_at", c->created_at},
                     {"client_name", c->client_name},
                     {"redirect_uris", json::value_from(c->redirect_uris)},
                     {"grant_types", json::value_from(c->grant_types)},
                     {"response_types", json::array{"code"}},
                     {"token_endpoint_auth_method", c->token_endpoint_auth_method},
                     {"application_type", c->application_type}};
    if (!c->scope.empty()) out["scope"] = c->scope;
    if (!secret.empty()) {
      out["client_secret"] = secret;
      out["client_secret_expires_at"] = 0;
    }
    return json_response(req, http::status::created, out);
  }

  Options opt_;
  std::unique_ptr<Store> store_;
  const Clock& clock_;
  Random& random_;
  std::shared_ptr<MetadataFetcher> fetcher_;
  SigningKeys keys_;
  std::string prefix_;
  bool secure_cookies_ = true;

  std::mutex mu_;
  std::map<std::string, Session> sessions_;
  std::map<std::string, Pending> pending_;
  std::map<std::string, std::pair<ClientRecord, Seconds>> cimd_cache_;
  std::map<std::string, Seconds> seen_jtis_;

  mutable std::shared_mutex revoked_mu_;
  std::unordered_set<std::string> revoked_;

  RateLimiter login_user_, login_ip_, dcr_ip_;
  std::vector<TrustedIdpKeys> idps_;
  std::atomic<Seconds> last_maintenance_{0};

  static constexpr std::ptrdiff_t kMaxHashes = 64;
  std::counting_semaphore<kMaxHashes> hash_slots_;
  // Last: destroyed first, so its threads finish their work while everything they use is alive.
  BlockingPool pool_;
};

Result<void> validate_issuer(std::string_view issuer, bool allow_loopback_http) {
  auto u = net::parse_absolute_url(issuer);
  if (!u) return fail("issuer must be an absolute URL");
  if (u->has_query() || u->has_fragment()) return fail("issuer must not have a query or fragment (RFC 8414 §2)");
  if (u->has_userinfo()) return fail("issuer must not have userinfo");
  if (u->encoded_host().empty()) return fail("issuer needs a host");
  if (issuer.ends_with("/")) return fail("issuer must not end with '/' (it is compared exactly with iss)");
  if (u->scheme() == "https") return {};
  if (u->scheme() == "http" && net::is_loopback_host(u->encoded_host()) && allow_loopback_http) return {};
  return fail("issuer must be https (plain http only on a loopback host with allow_loopback_http)");
}

Result<std::unique_ptr<AuthorizationServer>> AuthorizationServer::create(Options options, std::unique_ptr<Store> store,
                                                                         Dependencies deps) {
  if (auto r = validate_issuer(options.issuer, options.allow_loopback_http); !r)
    return fail("authorization server: " + r.error().message);
  if (options.resources.empty()) return fail("authorization server: at least one protected resource is required");
  for (auto& r : options.resources) {
    auto u = boost::urls::parse_absolute_uri(r.resource);
    if (!u || u->has_fragment())
      return fail("authorization server: resource " + r.resource + " is not an absolute URL without fragment");
    for (auto& s : r.default_scopes)
      if (!contains(r.scopes_supported, s))
        return fail("authorization server: default scope " + s + " is not in scopes_supported of " + r.resource);
  }
  if (options.code_ttl.count() <= 0 || options.code_ttl.count() > 600)
    return fail("authorization server: code TTL must be between 1 s and 10 min");
  if (!store) {
    auto s = open_store(options.storage);
    if (!s) return fail(s.error().message);
    store = std::move(*s);
  }
  const Clock& clock = deps.clock ? *deps.clock : system_clock();
  Random& random = deps.random ? *deps.random : system_random();
  auto fetcher = deps.fetcher
                     ? deps.fetcher
                     : std::make_shared<SafeMetadataFetcher>(FetchOptions{
                           options.cimd_allow_private_addresses, options.cimd_max_bytes, options.cimd_timeout});
  auto impl = std::make_unique<Impl>(std::move(options), std::move(store), clock, random, std::move(fetcher));
  if (auto r = impl->init(); !r) return fail("authorization server: " + r.error().message);
  return std::unique_ptr<AuthorizationServer>(new AuthorizationServer(std::move(impl)));
}

AuthorizationServer::AuthorizationServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuthorizationServer::~AuthorizationServer() = default;
net::awaitable<bool> AuthorizationServer::handle(net::Exchange& ex) {
  return impl_->handle(ex);
}
net::awaitable<expected<json::object, AuthorizationServer::GrantError>> AuthorizationServer::internal_grant(
    std::map<std::string, std::string, std::less<>> form, std::string client_id) {
  return impl_->internal_grant(std::move(form), std::move(client_id));
}
bool AuthorizationServer::is_browser_page(std::string_view path) const {
  // The same paths handle() routes to authorize, login and consent.
  const auto& p = impl_->prefix_;
  return path == p + "/authorize" || (!p.empty() && path == "/authorize") || path == p + "/authorize/login" ||
         path == p + "/authorize/consent";
}
bool AuthorizationServer::is_revoked(std::string_view jti) const {
  return impl_->is_revoked(jti);
}
json::object AuthorizationServer::metadata() const {
  return impl_->metadata();
}
std::string AuthorizationServer::jwks_uri() const {
  return impl_->endpoint("/jwks");
}
const Options& AuthorizationServer::options() const {
  return impl_->opt_;
}
Store& AuthorizationServer::store() {
  return *impl_->store_;
}
SigningKeys& AuthorizationServer::keys() {
  return impl_->keys_;
}
std::string AuthorizationServer::metrics_text() const {
  auto& p = impl_->pool_;
  return "# HELP mcpgate_authserver_pending Authorization server requests admitted to its blocking pool\n"
         "# TYPE mcpgate_authserver_pending gauge\n"
         "mcpgate_authserver_pending " +
         std::to_string(p.pending()) +
         "\n"
         "# HELP mcpgate_authserver_pending_limit Requests the blocking pool admits at once\n"
         "# TYPE mcpgate_authserver_pending_limit gauge\n"
         "mcpgate_authserver_pending_limit " +
         std::to_string(p.max_pending()) +
         "\n"
         "# HELP mcpgate_authserver_busy_total Requests refused with 503 because the blocking pool was full\n"
         "# TYPE mcpgate_authserver_busy_total counter\n"
         "mcpgate_authserver_busy_total " +
         std::to_string(p.rejected()) + "\n";
}

}  // namespace mcpgate::authserver
