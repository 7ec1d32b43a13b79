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
#include "net/http_server.hpp"
#include "net/origin_guard.hpp"

namespace mcpgate::gateway {

class Gateway {
 public:
  explicit Gateway(config::Gateway cfg, const Clock& clock = system_clock());
  ~Gateway();

  void start();  // throws on a listen failure (start-up error)
  void stop();
  void wait();
  std::uint16_t port() const { return server_ ? server_->port() : 0; }
  Metrics& metrics() { return metrics_; }
  // Applies a new configuration's authorization and policy to the running endpoints (matched by
  // path). Listeners and upstreams are not changed by a reload. Returns what was not applied.
  std::vector<std::string> reload(const config::Gateway& next);
  // Reads the listener's certificate and key again (SIGHUP); open connections keep theirs.
  [[nodiscard]] Result<void> reload_tls();
  authserver::AuthorizationServer* authorization_server() { return authorization_server_.get(); }

 private:
  net::awaitable<void> handle(net::Exchange& ex);
  std::vector<std::shared_ptr<exchange::UpstreamCredentials>> make_credentials(const config::Endpoint& e);
  RequestIds request_ids_;
  void add_cors(net::Exchange& ex, net::Response& res) const;

  std::shared_ptr<Authorizer> make_authorizer(const config::Endpoint& e) const;
  void arm_key_refresh();
  void arm_reaper();

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
  std::unique_ptr<net::OriginGuard> guard_;
  std::unique_ptr<net::HttpServer> server_;
  std::vector<std::unique_ptr<McpEndpoint>> endpoints_;
  std::unique_ptr<net::asio::steady_timer> reaper_;
};

}  // namespace mcpgate::gateway
