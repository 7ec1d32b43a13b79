#pragma once
// The embedded OAuth 2.1 authorization server (draft-ietf-oauth-v2-1, RFC 8414, RFC 7636,
// RFC 8707, RFC 9207, RFC 9068, RFC 7591, RFC 7662, RFC 7009, RFC 8693, RFC 7523, CIMD draft and
// the MCP authorization profile). It serves its own paths inside the gateway's HTTP server:
// handle() answers requests for them and returns false for everything else.
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "authserver/attempt_limiter.hpp"
#include "authserver/login_state_store.hpp"
#include "authserver/metadata_fetcher.hpp"
#include "authserver/options.hpp"
#include "authserver/sign_in_event.hpp"
#include "authserver/signing_keys.hpp"
#include "authserver/store.hpp"
#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "net/http_server.hpp"
#include "oauth/http_fetcher.hpp"

namespace mcpgate::authserver {

// The limiter of one kind of attempt ("login_user", "login_ip", "dcr_ip"): at most `max` in `window`.
using AttemptLimiterFactory =
    std::function<std::unique_ptr<AttemptLimiter>(std::string_view name, std::size_t max, std::chrono::seconds window)>;

struct Dependencies {
  const Clock* clock = nullptr;              // default: system clock
  Random* random = nullptr;                  // default: system CSPRNG
  std::shared_ptr<MetadataFetcher> fetcher;  // default: SafeMetadataFetcher from the options
  // Toward the upstream identity providers (federation); default: a BlockingHttpFetcher per
  // provider with its ca_file.
  std::shared_ptr<oauth::HttpFetcher> idp_http;
  SignInAudit audit;  // every federated sign-in, allowed or refused; default: none
  // Shared by the replicas when several serve one issuer; default: in this process.
  std::shared_ptr<LoginStateStore> login_state;  // default: MemoryLoginStateStore
  AttemptLimiterFactory attempt_limiters;        // default: RateLimiter (in memory)
};

class AuthorizationServer {
 public:
  // Validates the options (a start-up error names what is wrong), opens `store` (or
  // options.storage when null) and loads or creates the signing keys.
  [[nodiscard]] static Result<std::unique_ptr<AuthorizationServer>> create(Options options,
                                                                           std::unique_ptr<Store> store = nullptr,
                                                                           Dependencies deps = {});
  ~AuthorizationServer();

  // Serves the authorization server's paths; false when the request is for another path.
  net::awaitable<bool> handle(net::Exchange& exchange);

  // The HTML pages (authorize, login, consent): reached by top-level navigation and by their own
  // form POSTs, which a browser sends with `Origin: null` under the pages' no-referrer policy.
  // They carry their own CSRF defences; the gateway's Origin check treats them apart.
  [[nodiscard]] bool is_browser_page(std::string_view path) const;

  // Whether an access token we issued (by its jti) has been revoked: by RFC 7009 revocation, or
  // because its refresh family or authorization code was replayed. For the gateway's validator.
  [[nodiscard]] bool is_revoked(std::string_view jti) const;

  // The periodic work (revoked set read back, keys reloaded, expired records purged), each part
  // at its own interval; cheap when nothing is due, and the storage work goes to the blocking
  // pool. Requests to this server run it too, but a replica that only serves MCP requests needs
  // its host to call this about once a second, or tokens revoked elsewhere stay accepted here.
  void maintain();

  // Revocations shared between replicas (the gateway's broadcast over Redis). `on_revoked` is
  // told of every access token this process revokes, once the revocation is stored, on a blocking
  // pool thread (it may block briefly); set it before serving. `add_revoked` applies the
  // revocations another replica announced; `reload_revocations_now` reads the whole set back from
  // the store soon (on the pool), after announcements may have been missed. The time of the last
  // successful read of the set (Unix seconds, this server's clock) says how current it is.
  struct Revocation {
    std::string jti;
    std::int64_t expires_at = 0;
  };
  using RevocationListener = std::function<void(const std::vector<Revocation>&)>;
  void on_revoked(RevocationListener listener);
  void add_revoked(const std::vector<Revocation>& revoked);
  void reload_revocations_now();
  [[nodiscard]] std::int64_t last_revocation_reload() const;

  // A grant for the gateway itself, in process: no HTTP and no client secret, since the gateway
  // hosts this server. `form` is a token request body whose grant_type is token exchange (RFC
  // 8693) or client_credentials; the gateway acts as the client `client_id` (the actor of the
  // exchanged token's `act`). Runs on the blocking pool like any token request. The answer is the
  // token response, or the OAuth error the token endpoint would have sent.
  struct GrantError {
    unsigned status = 400;
    std::string error;
    std::string description;
  };
  [[nodiscard]] net::awaitable<expected<boost::json::object, GrantError>> internal_grant(
      std::map<std::string, std::string, std::less<>> form, std::string client_id);

  // RFC 8414 metadata (the same document is served for OIDC discovery).
  boost::json::object metadata() const;
  std::string jwks_uri() const;
  const Options& options() const;
  Store& store();
  SigningKeys& keys();
  // Prometheus text: the blocking pool's admitted requests, its limit and its refusals.
  std::string metrics_text() const;

  class Impl;

 private:
  explicit AuthorizationServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "https://host[:port][/path]" without query or fragment; plain http only on a loopback host
// and only with allow_loopback_http.
[[nodiscard]] Result<void> validate_issuer(std::string_view issuer, bool allow_loopback_http);

}  // namespace mcpgate::authserver
