#pragma once
// The resource-server half of one endpoint: who is calling (token validation, RFC 6750 / 9068 /
// 8707 / 7662) and whether they may do what they ask (policy), with the one mapping from every
// refusal to its HTTP answer and challenge. Immutable once built: a reload builds a new one.
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/gateway_config.hpp"
#include "gateway/refusal.hpp"
#include "net/http_server.hpp"
#include "oauth/auth_error.hpp"
#include "oauth/http_fetcher.hpp"
#include "oauth/jwks_cache.hpp"
#include "oauth/token_validator.hpp"
#include "policy/policy.hpp"

namespace mcpgate::gateway {

// Who a request acts for, once authenticated (anonymous endpoints have an empty principal).
struct Caller {
  oauth::PrincipalPtr principal;
  // The token lacks a scope of the endpoint's required_scopes. Not refused at authentication:
  // the policy stage first learns what the operation needs, so that one 403 names it all.
  bool missing_required_scopes = false;
  // The bearer token itself and its cache key (a hash): the subject of a token exchange toward an
  // upstream (exchange/upstream_credentials.hpp). Never forwarded, logged or compared as is.
  Secret token;
  std::string token_key;
  // Sessions are bound to this: issuer, subject and client together.
  std::string key() const;
  // Built on first use and kept (copies share it): a list is judged item by item for the same
  // caller, and building it copies every claim of the token.
  const policy::Subject& subject() const;
  mutable std::shared_ptr<const policy::Subject> subject_;
};

class Authorizer {
 public:
  // `keys_for` may supply key sources for issuers served in-process (the embedded authorization
  // server), so that validating a token never makes the gateway call itself over HTTP.
  using KeySourceFactory = std::function<std::unique_ptr<oauth::JwksSource>(const std::string& issuer)>;
  // Why a valid token must be refused anyway: inactive when it was revoked since (the embedded
  // server knows the revocations of every replica), revocations_unknown when that knowledge is
  // too stale to trust (fail closed); nothing when it may pass.
  using RevocationCheck = std::function<std::optional<oauth::AuthError>(const oauth::Principal&)>;

  Authorizer(const config::Gateway& gateway, const config::Endpoint& endpoint, const Clock& clock,
             std::shared_ptr<oauth::HttpFetcher> fetcher, KeySourceFactory keys_for = {}, RevocationCheck revoked = {});

  bool anonymous() const { return anonymous_; }
  const std::string& resource() const { return resource_; }
  const std::string& prm_json() const { return prm_json_; }
  const std::string& prm_url() const { return prm_url_; }

  // The caller, or why they are refused (the AuthError and what its challenge needs: 401 / 400 /
  // 503, see oauth::challenge_for; gateway::refuse turns it into the answer, the count and the
  // audit record). A caller without the required scopes is returned marked
  // (Caller::missing_required_scopes): the 403 is the endpoint's to build.
  // Token validation that may have to fetch keys or introspect runs on `blocking`, never on the
  // serving thread; a cached token is checked inline.
  [[nodiscard]] net::awaitable<expected<Caller, AuthRefusal>> authenticate(const net::Request& request,
                                                                           boost::asio::thread_pool& blocking) const;

  // No policy configured: every authenticated request is allowed.
  [[nodiscard]] policy::Decision decide(const Caller& caller, const policy::Target& target,
                                        const policy::ToolHints* hints) const;
  bool has_policy() const { return engine_.has_value(); }
  // A policy refusal (403): insufficient_scope with every scope the operation needs (and the
  // baseline, for clients that replace rather than add scopes), or forbidden.
  [[nodiscard]] Refusal refusal(const policy::Decision& decision, const boost::json::value& id) const;
  // insufficient_scope naming the baseline alone: for a caller without the required scopes whose
  // operation needs nothing more (or is refused for another reason they must not learn yet).
  [[nodiscard]] AuthRefusal baseline_refusal() const {
    return {oauth::AuthError::insufficient_scope, {prm_url_, required_scopes_}};
  }

  // Refreshes key sets whose max-age ran out (call from a timer, on the blocking pool).
  void refresh_keys() const;
  oauth::TokenValidator* validator() { return validator_.get(); }

 private:
  [[nodiscard]] AuthRefusal refused(oauth::AuthError error) const;

  bool anonymous_ = true;
  std::string resource_;
  std::string prm_json_;
  std::string prm_url_;
  std::vector<std::string> challenge_scopes_;  // the 401 challenge's scope
  std::vector<std::string> baseline_scopes_;   // added to every step-up challenge
  std::vector<std::string> required_scopes_;
  std::unique_ptr<oauth::TokenValidator> validator_;
  std::vector<std::shared_ptr<oauth::JwksCache>> key_caches_;
  std::optional<policy::Engine> engine_;
  RevocationCheck revoked_;
};

}  // namespace mcpgate::gateway
