#include "gateway/gateway.hpp"

#include <algorithm>
#include <thread>

namespace mcpgate::gateway {
namespace asio = net::asio;
namespace http = net::http;

namespace {
constexpr std::string_view kAllowHeaders =
    "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID, Mcp-Method, Mcp-Name";
constexpr std::string_view kExposeHeaders = "Mcp-Session-Id, WWW-Authenticate, MCP-Protocol-Version";

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.starts_with("127.");
}
}  // namespace

Gateway::Gateway(config::Gateway cfg, const Clock& clock) : cfg_(std::move(cfg)), clock_(clock) {
  guard_ = std::make_unique<OriginGuard>(cfg_.allowed_hosts, cfg_.allowed_origins, cfg_.public_url,
                                         is_loopback(cfg_.listen_host));
  audit_ = std::make_unique<AuditLog>(cfg_.audit_log);
  oauth::HttpFetchOptions fo;
  fetcher_ = std::make_shared<oauth::BlockingHttpFetcher>(fo);
}

std::shared_ptr<Authorizer> Gateway::make_authorizer(const config::Endpoint& e) const {
  return std::make_shared<Authorizer>(cfg_, e, clock_, fetcher_);
}

std::vector<std::string> Gateway::reload(const config::Gateway& next) {
  std::vector<std::string> skipped;
  for (auto& e : next.servers) {
    bool found = false;
    for (auto& ep : endpoints_) {
      if (ep->path() != e.path) continue;
      found = true;
      auto a = std::make_shared<Authorizer>(next, e, clock_, fetcher_);
      ep->set_authorizer(std::move(a));
    }
    if (!found) skipped.push_back(e.path + ": new endpoints need a restart");
  }
  return skipped;
}

Gateway::~Gateway() {
  stop();
  wait();
}

void Gateway::start() {
  net::ServerLimits limits;
  limits.max_body_bytes = cfg_.limits.max_body_bytes;
  limits.max_header_bytes = cfg_.limits.max_header_bytes;
  limits.request_timeout = cfg_.limits.request_timeout;
  limits.idle_timeout = cfg_.limits.idle_timeout;
  limits.max_connections = cfg_.limits.max_connections;
  unsigned threads = cfg_.threads ? cfg_.threads : std::max(1u, std::thread::hardware_concurrency());
  server_ = std::make_unique<net::HttpServer>(cfg_.listen_host, cfg_.listen_port, limits,
                                              [this](net::Exchange& ex) { return handle(ex); }, threads);
  server_->start();
  auto executors = server_->executors();
  for (auto& e : cfg_.servers)
    endpoints_.push_back(std::make_unique<McpEndpoint>(e, cfg_.limits, metrics_, executors, make_authorizer(e), *audit_, blocking_));
  // Key sets are fetched now, off the serving threads, and then refreshed in the background when
  // their max-age runs out.
  for (auto& e : endpoints_) asio::post(blocking_, [a = e->authorizer()] { a->refresh_keys(); });
  key_refresher_ = std::make_unique<asio::steady_timer>(executors[0]);
  reaper_ = std::make_unique<asio::steady_timer>(executors[0]);
  asio::post(executors[0], [this] { arm_key_refresh(); });
  asio::post(executors[0], [this] { arm_reaper(); });
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
  auto every = std::clamp<std::chrono::milliseconds>(cfg_.limits.session_idle_timeout / 4, std::chrono::milliseconds(250),
                                                     std::chrono::milliseconds(60'000));
  reaper_->expires_after(every);
  reaper_->async_wait([this](const net::error_code& ec) {
    if (ec) return;
    for (auto& e : endpoints_) e->reap_idle_sessions();
    arm_reaper();
  });
}

void Gateway::stop() {
  if (!server_) return;
  if (reaper_) asio::post(reaper_->get_executor(), [this] { reaper_->cancel(); });
  if (key_refresher_) asio::post(key_refresher_->get_executor(), [this] { key_refresher_->cancel(); });
  for (auto& e : endpoints_) e->shutdown();
  server_->stop(std::chrono::milliseconds(2000));
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
  auto& req = ex.request();
  auto t0 = std::chrono::steady_clock::now();
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));

  // DNS rebinding (MCP transports, Security Warning): Host and Origin are checked before anything
  // else, for every path, and a refusal is 403.
  if (!guard_->host_allowed(req[http::field::host]) || !guard_->origin_allowed(req[http::field::origin])) {
    metrics_.error(ErrorReason::forbidden_origin);
    net::Response res{http::status::forbidden, 11};
    res.set(http::field::content_type, "application/json");
    res.body() = R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Forbidden: Host or Origin not allowed"}})";
    metrics_.request(403, 0);
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
  if (path == "/metrics") {
    net::Response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain; version=0.0.4");
    res.body() = metrics_.render();
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
    if (req.method() == http::verb::options) {
      net::Response res{http::status::no_content, 11};
      add_cors(ex, res);
      res.set(http::field::access_control_allow_methods, "GET, POST, DELETE, OPTIONS");
      res.set(http::field::access_control_allow_headers, kAllowHeaders);
      res.set(http::field::access_control_max_age, "600");
      co_await ex.respond(std::move(res));
      co_return;
    }
    if (auto origin = req[http::field::origin]; !origin.empty()) {
      ex.add_header("Access-Control-Allow-Origin", std::string(origin));
      ex.add_header("Access-Control-Expose-Headers", std::string(kExposeHeaders));
      ex.add_header("Vary", "Origin");
    }
    co_await e->handle(ex);
    (void)t0;
    co_return;
  }
  net::Response res{http::status::not_found, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = R"({"error":"not found"})";
  co_await ex.respond(std::move(res));
}

}  // namespace mcpgate::gateway
