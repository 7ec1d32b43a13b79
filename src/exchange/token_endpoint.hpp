#pragma once
// Where the gateway gets tokens for its upstreams: an OAuth token endpoint, asked with a form
// (RFC 6749 §4.4 client_credentials, RFC 8693 token exchange). Two kinds: the embedded
// authorization server, in process, and any remote one over HTTPS, found by its token_endpoint or
// its issuer's metadata (RFC 8414), the gateway authenticating as its client.
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.hpp"
#include "core/secret.hpp"
#include "exchange/token_response.hpp"
#include "net/asio.hpp"
#include "oauth/algorithm.hpp"
#include "oauth/http_fetcher.hpp"
#include "oauth/token_minter.hpp"

namespace mcpgate::authserver {
class AuthorizationServer;
}

namespace mcpgate::exchange {

using Form = std::map<std::string, std::string, std::less<>>;

class TokenEndpoint {
 public:
  virtual ~TokenEndpoint() = default;
  // `form` holds grant_type and the grant's parameters; client authentication is added here.
  [[nodiscard]] virtual net::awaitable<expected<IssuedToken, TokenError>> request(Form form) = 0;
};

// The embedded authorization server, in process: the gateway is its host, so it acts as the
// client `client_id` without a secret (AuthorizationServer::internal_grant).
class EmbeddedTokenEndpoint final : public TokenEndpoint {
 public:
  EmbeddedTokenEndpoint(authserver::AuthorizationServer& server, std::string client_id)
      : server_(server), client_id_(std::move(client_id)) {}
  [[nodiscard]] net::awaitable<expected<IssuedToken, TokenError>> request(Form form) override;

 private:
  authserver::AuthorizationServer& server_;
  std::string client_id_;
};

struct RemoteTokenEndpointOptions {
  std::string token_endpoint;  // or empty, and:
  std::string issuer;          // its token_endpoint read from its metadata, once; or:
  std::string discover_from;   // an upstream's URL: its protected resource metadata names the server
  std::string client_id;
  Secret client_secret;
  bool client_secret_post = false;  // default client_secret_basic (RFC 6749 §2.3.1)
  // private_key_jwt (RFC 7523 §2.2, OIDC Core §9) when set: a fresh signed assertion per request.
  std::shared_ptr<const oauth::SigningKey> assertion_key;
  oauth::Algorithm assertion_alg = oauth::Algorithm::ES256;
  std::string assertion_kid;
};

// A remote token endpoint. The HTTP calls block (oauth::HttpFetcher: TLS verified, no redirects,
// deadline, size limit) and run on `blocking`, never on a serving thread.
class RemoteTokenEndpoint final : public TokenEndpoint {
 public:
  RemoteTokenEndpoint(RemoteTokenEndpointOptions options, std::shared_ptr<oauth::HttpFetcher> fetcher,
                      boost::asio::thread_pool& blocking)
      : options_(std::move(options)), fetcher_(std::move(fetcher)), blocking_(blocking) {}
  [[nodiscard]] net::awaitable<expected<IssuedToken, TokenError>> request(Form form) override;

  // The blocking half, for tests, the probe and the pool: discovery when needed, then the POST.
  [[nodiscard]] expected<IssuedToken, TokenError> request_blocking(const Form& form);
  // The token endpoint's URL: configured, or found (once) by metadata or discovery. Blocking.
  [[nodiscard]] expected<std::string, TokenError> endpoint();

 private:
  RemoteTokenEndpointOptions options_;
  std::shared_ptr<oauth::HttpFetcher> fetcher_;
  boost::asio::thread_pool& blocking_;
  std::mutex mutex_;
  std::string discovered_;  // the issuer's token_endpoint, once read
};

}  // namespace mcpgate::exchange
