#pragma once
// The authorization half of an MCP client for one endpoint: what to put in the Authorization
// header, and what to do when the server answers 401 (discover, register, sign in through the
// browser, or refresh) or 403 insufficient_scope (step up: authorize again for the union of the
// scopes asked before and the scopes challenged, a bounded number of times). MCP authorization,
// "Authorization Flow Steps", "Scope Challenge Handling", "Token Handling".
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "client/discovery.hpp"
#include "client/registration.hpp"
#include "client/token_store.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "exchange/token_response.hpp"
#include "oauth/http_fetcher.hpp"

namespace mcpgate::client {

struct ClientOptions {
  ClientIdentity identity;
  std::string browser;  // see show_authorization_url
  std::string scope;    // asked for at login instead of the server's suggestion
  std::chrono::seconds login_timeout{300};
  int max_step_ups = 2;  // per request: a server that keeps refusing is not asked forever
  // Tells the user what is happening and why (a new sign-in, a step-up); the command line
  // prints it on standard error. Never given token material.
  std::function<void(const std::string&)> notice;
};

class OAuthSession {
 public:
  OAuthSession(std::string endpoint, ClientOptions options, oauth::HttpFetcher& fetcher, TokenStore& store,
               Random& random = system_random());

  // The Authorization header value for the next request, if a token is known: stored from an
  // earlier run, or refreshed when it has expired.
  [[nodiscard]] Result<std::optional<std::string>> authorization();
  // After a 401 (MCP authorization, "Authorization Server Discovery"): refresh when a refresh
  // token is held, else the whole flow. The caller retries its request once.
  [[nodiscard]] Result<void> unauthorized(const std::string& www_authenticate);
  // After a 403 error="insufficient_scope" ("Scope Challenge Handling").
  [[nodiscard]] Result<void> insufficient_scope(const std::string& www_authenticate);
  // The whole flow now, whatever is stored (`mcpgate login`), with prompt=login: the user signs
  // in again, possibly as someone else, even when the browser holds a session there.
  [[nodiscard]] Result<void> login(const std::string& www_authenticate);
  // A new request starts: its step-up budget is full again.
  void begin_request() { step_ups_ = 0; }

  const std::string& granted_scope() const;
  const std::optional<AuthorizationTarget>& target() const { return target_; }

 private:
  [[nodiscard]] Result<void> ensure_target(const std::string& www_authenticate);
  std::string initial_scope(const std::string& www_authenticate) const;
  [[nodiscard]] Result<void> load_stored();
  [[nodiscard]] Result<void> authorize(const std::string& scope, const std::string& prompt = {});
  [[nodiscard]] Result<bool> refresh();
  [[nodiscard]] Result<void> keep(const std::string& requested_scope, exchange::IssuedToken token);
  [[nodiscard]] Result<exchange::IssuedToken> token_request(const StoredClient& client,
                                                            std::vector<std::pair<std::string, std::string>> form);
  [[nodiscard]] Result<StoredClient> client_for(const std::string& redirect_uri);
  // The client given with --client-id, if any, authenticating as the server allows.
  std::optional<StoredClient> preregistered() const;

  std::string endpoint_;
  ClientOptions options_;
  oauth::HttpFetcher& fetcher_;
  TokenStore& store_;
  Random& random_;
  std::optional<AuthorizationTarget> target_;
  std::optional<StoredTokens> tokens_;
  std::optional<EndpointBinding> binding_;
  std::optional<StoredClient> client_;  // the identity the tokens were issued to
  bool loaded_ = false;
  int step_ups_ = 0;
};

}  // namespace mcpgate::client
