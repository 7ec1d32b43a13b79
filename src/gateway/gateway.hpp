#pragma once
// The gateway process: HTTP listener, origin checks, CORS, health and metrics, and the MCP
// endpoints of the configuration.
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <vector>

#include "authserver/authorization_server.hpp"
#include "config/gateway_config.hpp"
#include "core/request_id.hpp"
#include "exchange/upstream_credentials.hpp"
#include "gateway/audit_log.hpp"
#include "gateway/authorizer.hpp"
#include "gateway/endpoint.hpp"
#include "gateway/metrics.hpp"
#include "gateway/readiness.hpp"
#include "gateway/revocation_broadcast.hpp"
#include "net/http_server.hpp"
#include "net/origin_guard.hpp"

namespace mcpgate::redis {
class Client;
}

namespace mcpgate::gateway {

class Gateway {
 public:
  explicit Gateway(config::Gateway cfg, const Clock& clock = system_clock());
  ~Gateway();

  void start();  // throws on a listen failure (start-up error)
  // Stops at once: in-flight requests get `grace` to finish (stdio children are told to stop
  // first). drain() is the graceful way.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
  void wait();

  // Graceful drain (SIGTERM; docs/deployment.md, "Health, readiness and drain"): /readyz turns
  // 503 at once, the listener closes after the configured delay (none with `skip_delay`), the
  // requests in flight finish within the grace, the ones still running then are answered with an
  // error, and the gateway stops. Blocks until it has.
  struct DrainReport {
    std::size_t in_flight_at_signal = 0;  // requests and streams being served when it began
    std::size_t cut = 0;                  // calls answered with an error at the grace deadline
    std::size_t unfinished = 0;           // exchanges still open when the gateway stopped
    std::chrono::milliseconds took{0};
  };
  DrainReport drain(bool skip_delay = false);
  bool draining() const { return draining_.load(); }
  // Named probes behind /readyz; stores register theirs here.
  Readiness& readiness() { return readiness_; }
  std::uint16_t port() const { return server_ ? server_->port() : 0; }
  Metrics& metrics() { return metrics_; }
  // Applies a new configuration's authorization and policy to the running endpoints (matched by
  // path). Listeners and upstreams are not changed by a reload. Returns what was not applied.
  std::vector<std::string> reload(const config::Gateway& next);
  // Reads the listener's certificate and key again (SIGHUP); open connections keep theirs.
  [[nodiscard]] Result<void> reload_tls();
  authserver::AuthorizationServer* authorization_server() { return authorization_server_.get(); }
  // The Redis client of the `redis:` section; null without one.
  std::shared_ptr<redis::Client> redis() const { return redis_; }

 private:
  net::awaitable<void> handle(net::Exchange& ex);
  std::vector<std::shared_ptr<exchange::UpstreamCredentials>> make_credentials(const config::Endpoint& e);
  RequestIds request_ids_;
  void add_cors(net::Exchange& ex, net::Response& res) const;

  std::shared_ptr<Authorizer> make_authorizer(const config::Endpoint& e) const;
  void arm_key_refresh();
  void arm_reaper();
  void register_probes();

  config::Gateway cfg_;
  const Clock& clock_;
  Metrics metrics_;
  std::unique_ptr<AuditLog> audit_;
  // Token validation that may block (key fetches, introspection) runs here, off the serving threads.
  boost::asio::thread_pool blocking_{2};
  std::shared_ptr<oauth::HttpFetcher> fetcher_;
  std::unique_ptr<net::asio::steady_timer> key_refresher_;
  // The embedded authorization server, when configured (before the endpoints: they trust it).
  std::unique_ptr<authserver::AuthorizationServer> authorization_server_;
  // With `redis:`: the shared client (blocking: use it from a blocking pool) for the sign-in state,
  // the shared limits and the revocation broadcast between replicas when the embedded
  // authorization server runs. Created first: the authorization server is given it.
  std::shared_ptr<redis::Client> redis_;
  std::shared_ptr<RevocationBroadcast> revocation_broadcast_;
  std::unique_ptr<net::OriginGuard> guard_;
  std::unique_ptr<net::HttpServer> server_;
  std::vector<std::unique_ptr<McpEndpoint>> endpoints_;
  std::unique_ptr<net::asio::steady_timer> reaper_;
  // Drives the embedded authorization server's maintenance (tokens revoked at other replicas).
  std::unique_ptr<net::asio::steady_timer> as_maintenance_;
  void arm_as_maintenance();
  Readiness readiness_;
  std::atomic<bool> draining_{false};
};

}  // namespace mcpgate::gateway
