#include "gateway/gateway.hpp"

#include <algorithm>
#include <thread>

#include "authserver/store_open.hpp"
#include "cluster/redis_attempt_limiter.hpp"
#include "cluster/redis_login_state.hpp"
#include "cluster/redis_rate_store.hpp"
#include "config/redis_config.hpp"
#include "core/log.hpp"
#include "exchange/remote_options.hpp"
#include "mcp/http_front.hpp"
#include "net/address.hpp"

namespace mcpgate::gateway {
namespace asio = net::asio;
namespace http = net::http;

namespace {
constexpr std::string_view kAllowHeaders =
    "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID, Mcp-Method, Mcp-Name";
constexpr std::string_view kExposeHeaders = "Mcp-Session-Id, WWW-Authenticate, MCP-Protocol-Version, X-Request-Id";

}  // namespace

namespace {

// The embedded server's keys, read in-process: validating its tokens never makes the gateway
// call itself over HTTP (which could deadlock a serving thread on its own request).
class EmbeddedJwksSource final : public oauth::JwksSource {
 public:
  explicit EmbeddedJwksSource(authserver::AuthorizationServer& as) : as_(as) {}
  Result<oauth::JwksDocument> fetch() override {
    auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    // Keys rotated by `mcpgate keys rotate` in another process become visible here.
    if (auto r = as_.keys().reload_if_changed(now); !r)
      log::warn("authorization server: signing keys not reloaded (the previous ones stay): " + r.error().message);
    return oauth::JwksDocument{boost::json::serialize(as_.keys().jwks(now)), std::chrono::seconds(60)};
  }

 private:
  authserver::AuthorizationServer& as_;
};

}  // namespace

Gateway::Gateway(config::Gateway cfg, const Clock& clock) : cfg_(std::move(cfg)), clock_(clock) {
  // Not connected yet: the client connects on first use, and a Redis down at start-up only means
  // the shared state is unavailable until it is back (see docs/deployment.md).
  if (cfg_.redis) redis_ = std::make_shared<redis::Client>(config::connect_options(*cfg_.redis));
  guard_ = std::make_unique<net::OriginGuard>(cfg_.allowed_hosts, cfg_.allowed_origins, cfg_.public_url,
                                              net::is_loopback_host(cfg_.listen_host));
  audit_ = std::make_unique<AuditLog>(cfg_.audit_log);
  oauth::HttpFetchOptions fo;
  fetcher_ = std::make_shared<oauth::BlockingHttpFetcher>(fo);
  if (cfg_.authorization_server.enabled) {
    auto& c = cfg_.authorization_server;
    authserver::Options o;
    o.issuer = c.issuer;
    o.storage = c.storage;
    o.access_token_ttl = c.access_token_ttl;
    o.refresh_token_ttl = c.refresh_token_ttl;
    o.revocation_reload_interval = c.revocation_reload;
    o.allow_loopback_http =
        c.allow_loopback_http.value_or(c.issuer.starts_with("http://") && net::is_loopback_url(c.issuer));
    o.cimd_enabled = c.client_id_metadata_documents;
    o.cimd_allow_private_addresses = c.cimd_allow_private_addresses;
    o.dcr_enabled = c.dynamic_client_registration;
    o.dcr_allowed_redirect_schemes = c.dcr_allowed_redirect_schemes;
    for (auto& idp : c.trusted_idps) o.trusted_idps.push_back({idp.issuer, idp.jwks});
    for (auto& u : c.upstream_idps)
      o.upstream_idps.push_back({u.name, u.issuer, u.client_id, Secret(u.client_secret), u.client_key_pem,
                                 u.client_key_id, u.client_key_alg, u.scopes, u.claims, u.user_claim, u.send_resource,
                                 u.algorithms, u.clock_skew, u.ca_file, u.recheck_on_refresh, u.recheck_interval,
                                 u.consent_prompt, u.post_logout_redirect_uri});
    o.token_encryption_key = Secret(c.token_encryption_key);
    o.blocking_threads = c.blocking_threads;
    o.max_pending_requests = c.max_pending_requests;
    o.blocking_nice = c.blocking_nice;
    o.max_concurrent_hashes = c.max_concurrent_hashes;
    // Every endpoint that trusts this issuer is a resource it issues tokens for.
    for (auto& e : cfg_.servers) {
      bool trusts = false;
      for (auto& i : e.auth.issuers) trusts = trusts || i.issuer == c.issuer;
      if (!trusts) continue;
      o.resources.push_back({e.auth.resource, e.auth.scopes_supported,
                             e.auth.required_scopes.empty() ? e.auth.scopes_supported : e.auth.required_scopes});
    }
    // Every upstream whose credentials the embedded server issues is a resource too: tokens for it
    // carry its audience and only the scopes its map grants (exchange) or its list names
    // (client_credentials).
    for (auto& e : cfg_.servers)
      for (auto& u : e.upstreams) {
        auto& c = u.credentials;
        using M = config::Credentials::Mode;
        if ((c.mode != M::token_exchange && c.mode != M::client_credentials) || !c.embedded()) continue;
        const auto& id = c.resource.empty() ? c.audience : c.resource;
        authserver::ProtectedResource* r = nullptr;
        for (auto& existing : o.resources)
          if (existing.resource == id) r = &existing;
        if (!r) r = &o.resources.emplace_back(authserver::ProtectedResource{id, {}, {}, {}});
        auto add = [](std::vector<std::string>& v, const std::string& x) {
          if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
        };
        for (auto& [from, to] : c.scope_map)
          for (auto& t : to) {
            add(r->scopes_supported, t);
            add(r->exchange_scopes[from], t);
          }
        for (auto& sc : c.scopes) {
          add(r->scopes_supported, sc);
          add(r->default_scopes, sc);
        }
      }
    // The store is opened here, where the configuration's pool options are known; SQLite or
    // PostgreSQL by the storage URI's scheme.
    authserver::PgPoolOptions pg;
    pg.size = c.storage_pool_size;
    pg.connect.connect_timeout_seconds = c.storage_connect_timeout_seconds;
    pg.connect.statement_timeout_ms = c.storage_statement_timeout_ms;
    pg.connect.password = c.storage_password;
    auto store = authserver::open_store_at(c.storage, std::move(pg));
    if (!store) throw std::runtime_error("authorization_server: " + store.error().message);
    authserver::Dependencies deps;
    // Federated sign-ins go to the audit trail with the gateway's decisions.
    deps.audit = [audit = audit_.get(), issuer = c.issuer](const authserver::SignInEvent& e) {
      if (!audit->enabled()) return;
      audit->write(AuditRecord{{},
                               issuer,
                               e.provider,
                               e.user,
                               e.client_id,
                               "sign_in",
                               e.provider,
                               e.allowed ? "allow" : "deny",
                               "upstream_idp",
                               e.reason,
                               0});
    };
    if (redis_) {
      // Behind a load balancer the pages of one sign-in reach different replicas, and an attacker
      // could spread guesses over them: both live in Redis.
      auto prefix = cfg_.redis->key_prefix;
      deps.login_state = std::make_shared<cluster::RedisLoginState>(redis_, prefix);
      deps.attempt_limiters = [client = redis_, prefix](std::string_view name, std::size_t max,
                                                        std::chrono::seconds window) {
        return std::make_unique<cluster::RedisAttemptLimiter>(client, prefix, name, max, window);
      };
    }
    auto as = authserver::AuthorizationServer::create(std::move(o), std::move(*store), std::move(deps));
    if (!as) throw std::runtime_error("authorization_server: " + as.error().message);
    authorization_server_ = std::move(*as);
  }
  if (redis_ && authorization_server_)
    revocation_broadcast_ = RevocationBroadcast::attach(*cfg_.redis, redis_, *authorization_server_, clock_);
}

std::vector<std::shared_ptr<exchange::UpstreamCredentials>> Gateway::make_credentials(const config::Endpoint& e) {
  using M = config::Credentials::Mode;
  std::vector<std::shared_ptr<exchange::UpstreamCredentials>> out;
  for (auto& u : e.upstreams) {
    auto& c = u.credentials;
    if (c.mode == M::none) {
      out.push_back(nullptr);
      continue;
    }
    std::shared_ptr<exchange::TokenEndpoint> endpoint;
    if (c.mode == M::token_exchange || c.mode == M::client_credentials) {
      if (c.embedded()) {
        if (!authorization_server_)
          throw std::runtime_error("servers." + e.name + ".upstreams." + u.name +
                                   ".credentials: no token_endpoint or issuer, and no embedded authorization_server");
        endpoint = std::make_shared<exchange::EmbeddedTokenEndpoint>(*authorization_server_, c.client_id);
      } else {
        oauth::HttpFetchOptions fo;
        fo.tls = c.tls;
        auto fetcher = std::make_shared<oauth::BlockingHttpFetcher>(fo);
        if (!fetcher->tls_error().empty())
          throw std::runtime_error("servers." + e.name + ".upstreams." + u.name +
                                   ".credentials.tls: " + fetcher->tls_error());
        auto ro = exchange::remote_options(c, u.http ? u.http->url : std::string());
        if (!ro)
          throw std::runtime_error("servers." + e.name + ".upstreams." + u.name + ".credentials." + ro.error().message);
        endpoint = std::make_shared<exchange::RemoteTokenEndpoint>(std::move(*ro), std::move(fetcher), blocking_);
      }
    }
    auto creds = std::make_shared<exchange::UpstreamCredentials>(c, std::move(endpoint));
    metrics_.watch_credentials(e.name, u.name, creds);
    out.push_back(std::move(creds));
  }
  return out;
}

std::shared_ptr<Authorizer> Gateway::make_authorizer(const config::Endpoint& e) const {
  Authorizer::KeySourceFactory keys;
  Authorizer::RevocationCheck revoked;
  if (authorization_server_) {
    auto* as = authorization_server_.get();
    std::string issuer = as->options().issuer;
    keys = [as, issuer](const std::string& i) -> std::unique_ptr<oauth::JwksSource> {
      if (i != issuer) return nullptr;
      return std::make_unique<EmbeddedJwksSource>(*as);
    };
    revoked = [as, issuer, b = revocation_broadcast_](const oauth::Principal& p) -> std::optional<oauth::AuthError> {
      if (p.issuer != issuer) return std::nullopt;
      auto* jti = p.claims.if_contains("jti");
      if (jti && jti->is_string() && as->is_revoked(jti->get_string())) return oauth::AuthError::inactive;
      // Fail closed: with neither the broadcast nor the store heard from for too long, a token
      // revoked at another replica would pass here.
      if (b && !b->current()) return oauth::AuthError::revocations_unknown;
      return std::nullopt;
    };
  }
  return std::make_shared<Authorizer>(cfg_, e, clock_, fetcher_, keys, revoked);
}

std::vector<std::string> Gateway::reload(const config::Gateway& next) {
  std::vector<std::string> skipped;
  for (auto& e : next.servers) {
    bool found = false;
    for (auto& ep : endpoints_) {
      if (ep->path() != e.path) continue;
      found = true;
      auto saved = cfg_;
      cfg_.servers = next.servers;  // make_authorizer reads the embedded server from this gateway
      auto a = make_authorizer(e);
      cfg_ = std::move(saved);
      ep->set_authorizer(std::move(a));
    }
    if (!found) skipped.push_back(e.path + ": new endpoints need a restart");
  }
  return skipped;
}

Result<void> Gateway::reload_tls() {
  if (!server_ || !server_->tls()) return {};
  return server_->tls()->reload();
}

Gateway::~Gateway() {
  stop();
  wait();
  // Everything bound to the serving threads' io_contexts goes before them.
  key_refresher_.reset();
  reaper_.reset();
  as_maintenance_.reset();
  endpoints_.clear();
  server_.reset();
}

void Gateway::start() {
  net::ServerLimits limits;
  limits.max_body_bytes = cfg_.limits.max_body_bytes;
  limits.max_header_bytes = cfg_.limits.max_header_bytes;
  limits.request_timeout = cfg_.limits.request_timeout;
  limits.idle_timeout = cfg_.limits.idle_timeout;
  limits.max_connections = cfg_.limits.max_connections;
  unsigned threads = cfg_.threads ? cfg_.threads : std::max(1u, std::thread::hardware_concurrency());
  server_ = std::make_unique<net::HttpServer>(
      cfg_.listen_host, cfg_.listen_port, limits, [this](net::Exchange& ex) { return handle(ex); }, threads);
  if (cfg_.tls) {
    auto tls = net::TlsServerContext::create(*cfg_.tls);
    if (!tls) throw std::runtime_error("tls: " + tls.error().message);
    server_->set_tls(std::move(*tls));
  }
  // Endpoints exist before the first request is accepted: a replica started during a rolling
  // restart answered 404 to requests that arrived in between.
  server_->listen();
  auto executors = server_->executors();
  for (auto& e : cfg_.servers)
    for (auto& u : e.upstreams)
      if (u.stdio && u.stdio->mode == config::StdioUpstream::Mode::shared)
        log::warn(
            "stdio mode shared: legacy (2025-11-25) sessions still get a child each, as with per_session; "
            "stateless clients share one child whatever the mode (docs/configuration.md)",
            {{"endpoint", e.path}, {"upstream", u.name}});
  for (auto& e : cfg_.servers)
    endpoints_.push_back(std::make_unique<McpEndpoint>(
        e, cfg_.limits, metrics_, executors, make_authorizer(e), *audit_, blocking_, make_credentials(e),
        redis_ ? std::make_shared<cluster::RedisRateStore>(redis_, cfg_.redis->key_prefix, e.name) : nullptr,
        cfg_.sessions));
  register_probes();
  server_->run();
  // Key sets are fetched now, off the serving threads, and then refreshed in the background when
  // their max-age runs out.
  for (auto& e : endpoints_) asio::post(blocking_, [a = e->authorizer()] { a->refresh_keys(); });
  key_refresher_ = std::make_unique<asio::steady_timer>(executors[0]);
  reaper_ = std::make_unique<asio::steady_timer>(executors[0]);
  asio::post(executors[0], [this] { arm_key_refresh(); });
  asio::post(executors[0], [this] { arm_reaper(); });
  if (authorization_server_) {
    as_maintenance_ = std::make_unique<asio::steady_timer>(executors[0]);
    asio::post(executors[0], [this] { arm_as_maintenance(); });
  }
  if (revocation_broadcast_) revocation_broadcast_->start();
}

void Gateway::register_probes() {
  // Required: a replica that is draining, or whose own store (a SQLite file) cannot be read, must
  // get no new traffic. A store every replica shares (PostgreSQL) is reported but not required:
  // when it is down it is down for all of them, and failing readiness would take every replica out
  // of the balancer at once, refusing the MCP traffic that needs no store (tokens are verified
  // locally) along with the token requests that do (those answer 503 themselves).
  readiness_.add("draining", true, [this]() -> Result<void> {
    if (draining_) return fail("draining: the gateway is shutting down");
    return {};
  });
  const bool shared_store = !cfg_.authorization_server.storage.starts_with("sqlite:");
  if (authorization_server_)
    readiness_.add("authorization_server.store", !shared_store, [as = authorization_server_.get()]() -> Result<void> {
      auto r = as->store().key_generation();
      if (!r) return fail(r.error().message);
      return {};
    });
  // Optional: with Redis down a replica still serves (revocations then come from the store), so
  // taking every replica out of rotation would turn a cache outage into a full one.
  if (redis_) readiness_.add("redis", false, [r = redis_]() { return r->ping(); });
}

Gateway::DrainReport Gateway::drain(bool skip_delay) {
  using steady = std::chrono::steady_clock;
  DrainReport report;
  if (!server_) return report;
  auto t0 = steady::now();
  auto grace_end = t0 + cfg_.drain.grace;
  auto wait_for_in_flight = [&](steady::time_point until) {
    while (server_->in_flight() > 0 && steady::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  // 1. Readiness fails at once; responses close their connections; idle keep-alive connections
  //    close; open streams end with a retry hint.
  draining_ = true;
  report.in_flight_at_signal = server_->in_flight();
  server_->begin_drain(cfg_.drain.retry_hint);
  for (auto& e : endpoints_) e->end_streams();
  // 2. After the delay (a balancer's health check, or Kubernetes removing the endpoint, takes
  //    that long to notice), new connections are refused and go to another replica.
  if (!skip_delay) std::this_thread::sleep_until(std::min(t0 + cfg_.drain.delay, grace_end));
  server_->close_listener();
  // 3. What is in flight finishes, upstream children included: they are stopped only after.
  wait_for_in_flight(grace_end);
  // 4. At the grace deadline, the calls still waiting are answered with an error, and given a
  //    moment to be written.
  //    Calls waiting on an inbox (stdio upstreams, streamed replies) are answered through their
  //    handler; the ones inside an HTTP exchange with their upstream are answered by the server.
  if (auto at_deadline = server_->in_flight(); at_deadline > 0) {
    for (auto& e : endpoints_) e->cut_in_flight();
    wait_for_in_flight(steady::now() + std::chrono::milliseconds(500));
    auto answered_here = server_->cut_unanswered();
    auto still = server_->in_flight();
    report.unfinished = still > answered_here ? still - answered_here : 0;
    report.cut = at_deadline - report.unfinished;
  }
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
  stop(std::chrono::milliseconds(200));
  return report;
}

void Gateway::arm_key_refresh() {
  // Often enough for the shortest refetch interval configured, at most every 30 s.
  std::chrono::seconds every{30};
  for (auto& s : cfg_.servers)
    for (auto& i : s.auth.issuers) every = std::clamp(i.jwks_min_refetch, std::chrono::seconds(1), every);
  key_refresher_->expires_after(every);
  key_refresher_->async_wait([this](const net::error_code& ec) {
    if (ec) return;
    for (auto& e : endpoints_) asio::post(blocking_, [a = e->authorizer()] { a->refresh_keys(); });
    arm_key_refresh();
  });
}

void Gateway::arm_reaper() {
  // Idle sessions (and their upstream children) are reaped once a minute.
  // stdio children per principal are swept on the same beat: often enough for their own idle
  // timeout and for a replaced child to stop soon after its last request.
  auto shortest = cfg_.limits.session_idle_timeout;
  for (auto& e : cfg_.servers)
    for (auto& u : e.upstreams)
      if (u.stdio && u.stdio->mode == config::StdioUpstream::Mode::per_principal)
        shortest =
            std::min(shortest, std::min(u.stdio->idle_timeout.value_or(shortest), std::chrono::milliseconds(4000)));
  auto every = std::clamp<std::chrono::milliseconds>(shortest / 4, std::chrono::milliseconds(250),
                                                     std::chrono::milliseconds(60'000));
  reaper_->expires_after(every);
  reaper_->async_wait([this](const net::error_code& ec) {
    if (ec) return;
    for (auto& e : endpoints_) e->reap_idle_sessions();
    arm_reaper();
  });
}

void Gateway::arm_as_maintenance() {
  // Every second (the server's clock has one-second resolution): maintain() itself decides what is
  // due, so revocation_reload_seconds is the bound give or take this beat.
  as_maintenance_->expires_after(std::chrono::seconds(1));
  as_maintenance_->async_wait([this](const net::error_code& ec) {
    if (ec) return;
    authorization_server_->maintain();
    arm_as_maintenance();
  });
}

void Gateway::stop(std::chrono::milliseconds grace) {
  if (!server_) return;
  if (as_maintenance_) asio::post(as_maintenance_->get_executor(), [this] { as_maintenance_->cancel(); });
  if (revocation_broadcast_) revocation_broadcast_->stop();
  if (reaper_) asio::post(reaper_->get_executor(), [this] { reaper_->cancel(); });
  if (key_refresher_) asio::post(key_refresher_->get_executor(), [this] { key_refresher_->cancel(); });
  for (auto& e : endpoints_) e->shutdown();
  server_->stop(grace);
}

void Gateway::wait() {
  if (server_) server_->wait();
}

void Gateway::add_cors(net::Exchange& ex, net::Response& res) const {
  auto origin = ex.request()[http::field::origin];
  if (origin.empty()) return;
  res.set(http::field::access_control_allow_origin, origin);
  res.set(http::field::access_control_expose_headers, kExposeHeaders);
  res.set(http::field::vary, "Origin");
}

net::awaitable<void> Gateway::handle(net::Exchange& ex) {
  ex.set_request_id(request_ids_.next());
  auto& req = ex.request();
  auto t0 = std::chrono::steady_clock::now();
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));

  // DNS rebinding (MCP transports, Security Warning): Host and Origin are checked before anything
  // else, for every path, and a refusal is 403. The authorization server's HTML pages also take
  // `Origin: null`, which browsers send with their form POSTs under the pages' no-referrer policy;
  // those pages carry their own CSRF defences (docs/security.md, "Host and Origin").
  auto origin = req[http::field::origin];
  bool page = authorization_server_ && authorization_server_->is_browser_page(path);
  for (auto& e : endpoints_) page = page && e->path() != path;  // an MCP endpoint routed first keeps its rule
  bool origin_ok = page ? guard_->page_origin_allowed(origin) : guard_->origin_allowed(origin);
  if (!guard_->host_allowed(req[http::field::host]) || !origin_ok) {
    metrics_.error(ErrorReason::forbidden_origin);
    auto res = mcp::front::to_response(mcp::front::forbidden_host_or_origin());
    metrics_.request(403, 0);
    co_await ex.respond(std::move(res));
    co_return;
  }

  // CORS: an allowed browser origin may read any answer, and learn the MCP headers. Not the
  // HTML pages: they are for top-level navigation, and `Access-Control-Allow-Origin: null` would
  // let any sandboxed frame read them.
  if (!origin.empty() && !page) {
    ex.add_header("Access-Control-Allow-Origin", std::string(origin));
    ex.add_header("Access-Control-Expose-Headers", std::string(kExposeHeaders));
    ex.add_header("Vary", "Origin");
  }
  if (req.method() == http::verb::options) {
    net::Response res{http::status::no_content, 11};
    res.set(http::field::access_control_allow_methods, "GET, POST, DELETE, OPTIONS");
    res.set(http::field::access_control_allow_headers, kAllowHeaders);
    res.set(http::field::access_control_max_age, "600");
    co_await ex.respond(std::move(res));
    co_return;
  }

  if (path == "/healthz") {
    net::Response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain");
    res.body() = "ok\n";
    co_await ex.respond(std::move(res));
    co_return;
  }
  if (path == "/readyz") {
    // Off the serving thread: a probe may query a store.
    auto states = co_await asio::co_spawn(
        blocking_, [this]() -> net::awaitable<std::vector<Readiness::State>> { co_return readiness_.run(); },
        asio::use_awaitable);
    net::Response res{Readiness::ready(states) ? http::status::ok : http::status::service_unavailable, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = Readiness::to_json(states);
    co_await ex.respond(std::move(res));
    co_return;
  }
  if (path == "/metrics") {
    net::Response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain; version=0.0.4");
    res.body() = metrics_.render() + (authorization_server_ ? authorization_server_->metrics_text() : std::string());
    co_await ex.respond(std::move(res));
    co_return;
  }
  // Protected Resource Metadata (RFC 9728 §3; MCP authorization: MUST), path-suffixed per
  // endpoint, and at the root when one endpoint is protected.
  if (path.starts_with("/.well-known/oauth-protected-resource")) {
    std::shared_ptr<const Authorizer> match;
    std::size_t protected_count = 0;
    for (auto& e : endpoints_) {
      auto a = e->authorizer();
      if (a->anonymous()) continue;
      ++protected_count;
      if (path == "/.well-known/oauth-protected-resource" + e->path()) match = a;
    }
    if (!match && path == "/.well-known/oauth-protected-resource" && protected_count == 1)
      for (auto& e : endpoints_)
        if (!e->authorizer()->anonymous()) match = e->authorizer();
    if (match) {
      net::Response res{http::status::ok, 11};
      res.set(http::field::content_type, "application/json");
      res.set(http::field::cache_control, "max-age=300");
      if (!req[http::field::origin].empty()) res.set(http::field::access_control_allow_origin, "*");
      res.body() = match->prm_json();
      co_await ex.respond(std::move(res));
      co_return;
    }
  }
  for (auto& e : endpoints_) {
    if (path != e->path()) continue;
    co_await e->handle(ex);
    (void)t0;
    co_return;
  }
  if (authorization_server_) {
    bool handled = co_await authorization_server_->handle(ex);
    if (handled) co_return;
  }
  net::Response res{http::status::not_found, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = R"({"error":"not found"})";
  co_await ex.respond(std::move(res));
}

}  // namespace mcpgate::gateway
