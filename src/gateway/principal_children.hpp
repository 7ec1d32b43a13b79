#pragma once
// stdio mode per_principal (docs/configuration.md, "Credentials on stdio upstreams"): one child
// per principal (issuer, subject, client) per upstream, started with a token obtained for that
// principal (RFC 8693 token exchange, or the gateway's client_credentials token) in one variable of
// its environment — how the MCP authorization specification has stdio servers take credentials.
// A child never holds another principal's token, so nothing a child does can act for anyone else.
//
// The endpoint reaches a principal's child through a route (an UpstreamSession bound to the
// principal): a legacy session holds one per upstream, a stateless request gets one per call.
#include <functional>
#include <map>

#include "exchange/upstream_credentials.hpp"
#include "gateway/child_table.hpp"
#include "gateway/stdio_upstream.hpp"

namespace mcpgate::gateway {

// The key of the gateway's own child (its requests for itself, e.g. the probe of a stateless
// endpoint's upstreams), with the gateway's client_credentials token. No caller has this key:
// Caller::key() of a principal always holds two newlines.
inline constexpr std::string_view kGatewayPrincipal = "(gateway)";

struct PrincipalChildrenOptions {
  StdioOptions stdio;    // the template of every child (its token and handshake are added per child)
  std::string upstream;  // the configured name, for the client's error
  ChildPolicy policy;
};

class PrincipalChildren : public std::enable_shared_from_this<PrincipalChildren> {
 public:
  PrincipalChildren(PrincipalChildrenOptions options, std::shared_ptr<exchange::UpstreamCredentials> credentials,
                    std::function<net::asio::any_io_executor()> next_executor, Metrics* metrics);

  // The way to `principal`'s children (Caller::key(), or kGatewayPrincipal).
  std::shared_ptr<UpstreamSession> route(std::string principal);

  // Why no child could serve a request (the failure the client's error names).
  struct Refusal {
    UpstreamFailure failure;  // at_capacity or credentials
    json::object error;       // the JSON-RPC error, its id still to be set
  };
  // The principal's current child: started (token obtained, not yet spawned: the first request
  // spawns it) if it has none or if its token is about to expire.
  [[nodiscard]] net::awaitable<expected<std::shared_ptr<StdioUpstream>, Refusal>> acquire(
      const std::string& principal, const exchange::SubjectToken* subject, bool for_initialize);
  std::vector<std::shared_ptr<StdioUpstream>> children_of(const std::string& principal) const;
  // The principal's client's initialize params: given to its next children before anything else.
  void remember_handshake(const std::string& principal, json::object params);

  // Stops idle children, children whose token expired and drained replaced ones.
  void sweep(std::chrono::steady_clock::time_point now);
  void shutdown();
  std::size_t size() const { return table_.size(); }
  std::size_t max_children() const { return table_.policy().max_children; }

 private:
  PrincipalChildrenOptions options_;
  std::shared_ptr<exchange::UpstreamCredentials> credentials_;
  std::function<net::asio::any_io_executor()> next_executor_;
  Metrics* metrics_;
  ChildTable table_;
  mutable std::mutex mutex_;
  std::map<std::string, json::object> handshakes_;  // bounded; guarded by mutex_
};

}  // namespace mcpgate::gateway
