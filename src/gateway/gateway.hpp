#pragma once
// The gateway process: HTTP listener, origin checks, CORS, health and metrics, and the MCP
// endpoints of the configuration.
#include <memory>
#include <vector>

#include "config/gateway_config.hpp"
#include "gateway/endpoint.hpp"
#include "gateway/metrics.hpp"
#include "gateway/origin_guard.hpp"
#include "net/http_server.hpp"

namespace mcpgate::gateway {

class Gateway {
 public:
  explicit Gateway(config::Gateway cfg);
  ~Gateway();

  void start();  // throws on a listen failure (start-up error)
  void stop();
  void wait();
  std::uint16_t port() const { return server_ ? server_->port() : 0; }
  Metrics& metrics() { return metrics_; }

 private:
  net::awaitable<void> handle(net::Exchange& ex);
  void add_cors(net::Exchange& ex, net::Response& res) const;

  config::Gateway cfg_;
  Metrics metrics_;
  std::unique_ptr<OriginGuard> guard_;
  std::unique_ptr<net::HttpServer> server_;
  std::vector<std::unique_ptr<McpEndpoint>> endpoints_;
  std::unique_ptr<net::asio::steady_timer> reaper_;
};

}  // namespace mcpgate::gateway
