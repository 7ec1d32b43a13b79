#pragma once
// The authorization server's implementation: its state and every member, declared once. Private
// to src/authserver (never installed, never included from outside); the members are defined in
// files named after their concept (see docs/architecture.md, "The authorization server").
#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <semaphore>
#include <shared_mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "authserver/authorization_server.hpp"
#include "authserver/blocking_pool.hpp"
#include "authserver/form.hpp"
#include "authserver/grant.hpp"
#include "authserver/login_state_store.hpp"
#include "authserver/oauth_error.hpp"
#include "authserver/rate_limiter.hpp"
#include "authserver/sign_in_event.hpp"
#include "authserver/token_sealer.hpp"
#include "authserver/upstream_idp.hpp"
#include "oauth/jwks.hpp"

namespace mcpgate::authserver {
namespace http = boost::beast::http;

// The session, pending request and CSRF token of a login or consent form post, checked.
struct FormContext {
  Params params;
  std::string session_id;
  Session session;
  std::string request_id;
  Pending pending;
};

// A sign-in sent to an upstream identity provider, waiting for its callback (federated_login.cpp),
// keyed by the `state` sent there: single use, bound to the browser session and the pending
// authorization that started it.
struct FederatedLogin {
  std::string request_id;
  std::string session_id;
  std::size_t idp = 0;
  std::string nonce;
  std::string verifier;  // PKCE toward the provider
  Seconds expires_at = 0;
};

struct TrustedIdpKeys {
  std::string issuer;
  oauth::JwkSet keys;
};

struct AuthenticatedClient {
  ClientRecord client;
  std::string method;  // how it authenticated
};

struct Minted {
  std::string token;
  std::string jti;
  Seconds expires_at = 0;
};

class AuthorizationServer::Impl {
 public:
  using Request = net::Request;
  using Response = net::Response;
  using Exchange = net::Exchange;

  // authorization_server.cpp: lifecycle
  Impl(Options o, std::unique_ptr<Store> s, const Clock& clock, Random& random, std::shared_ptr<MetadataFetcher> f,
       std::shared_ptr<LoginStateStore> login_state = nullptr, const AttemptLimiterFactory& limiters = {});
  [[nodiscard]] Result<void> init();
  [[nodiscard]] Seconds now() const;
  [[nodiscard]] std::string endpoint(std::string_view path) const;
  [[nodiscard]] std::string origin() const;
  // Expiry of the in-memory maps, key reload and store purge, at most every key_reload_interval.
  void maintenance();
  // Reads the revoked jtis back on the pool at most every revocation_reload_interval: other
  // processes on the same store (replicas on PostgreSQL) revoke tokens this one must refuse.
  void schedule_revocation_reload(Seconds t);
  // The reload on the pool now, unless one is under way.
  void post_revocation_reload();

  // metadata.cpp
  [[nodiscard]] boost::json::object metadata() const;

  // router.cpp
  [[nodiscard]] net::awaitable<bool> handle(Exchange& ex);

  // responses.cpp: HTTP plumbing
  [[nodiscard]] static Response base_response(const Request& req, http::status status);
  [[nodiscard]] static Response json_response(const Request& req, http::status status, const boost::json::value& body,
                                              bool no_store = true);
  [[nodiscard]] Response html(const Request& req, http::status status,
                              const std::function<std::string(std::string_view)>& render);
  [[nodiscard]] Response error_page(const Request& req, http::status status, std::string_view title,
                                    std::string_view message);
  [[nodiscard]] static Response redirect(const Request& req, std::string_view location, http::status status);
  [[nodiscard]] static std::string_view form_body(const Request& req);
  [[nodiscard]] Response busy(const Request& req, bool page);
  [[nodiscard]] static Response method_not_allowed(const Request& req, std::string_view allow);

  // client_lookup.cpp
  // Why a client could not be looked up: the store failed (`unavailable`: answer 503, the client's
  // credentials may well be good) or its metadata document is unusable (the client is unknown).
  struct ClientLookupError {
    bool unavailable = false;
    std::string message;
  };
  [[nodiscard]] net::awaitable<expected<std::optional<ClientRecord>, ClientLookupError>> find_client(
      std::string_view client_id);
  [[nodiscard]] const ProtectedResource* find_resource(std::string_view r) const;

  // authorize_endpoint.cpp
  [[nodiscard]] std::string error_redirect(const std::string& redirect_uri, OAuthError error,
                                           std::string_view description, const std::string& state) const;
  [[nodiscard]] net::awaitable<Response> authorize_request(Exchange& ex, std::string_view query);
  [[nodiscard]] net::awaitable<expected<std::vector<std::string>, std::string>> allowed_scopes(
      std::string_view requested, const ProtectedResource& res, const ClientRecord& c);
  [[nodiscard]] std::optional<Response> restrict_to_user(const Request& req, Pending& p, const std::string& username);
  [[nodiscard]] Response issue_code(const Request& req, const Pending& p, const Session& s);

  // login_session.cpp
  [[nodiscard]] std::string cookie_name() const;
  [[nodiscard]] std::string cookie_value(std::string_view id) const;
  [[nodiscard]] std::string session_cookie(const Request& req) const;
  [[nodiscard]] expected<FormContext, Response> form_context(const Request& req);
  [[nodiscard]] Response login_page(const Request& req, const std::string& request_id, const Pending& p,
                                    const Session& s, std::string_view username, std::string_view error,
                                    http::status status = http::status::ok);
  [[nodiscard]] Response login_post(const Request& req, const std::string& ip);
  // A 503 page: the shared sign-in state could not be reached (logged once per outage).
  [[nodiscard]] Response login_state_unavailable(const Request& req, const Error& e);
  void login_state_ok();  // a call succeeded: logs the end of an outage
  // The login state's calls on the blocking pool when they wait on the network, inline when not.
  template <class F>
  net::awaitable<std::invoke_result_t<F&>> login_state_call(F f) {
    if (!login_state_->remote()) co_return f();
    co_return co_await pool_.run(std::move(f));
  }

  // federated_login.cpp: sign-in at an upstream OpenID Connect provider
  // The sign-in step of an authorization: the password form, or (federation) the provider.
  [[nodiscard]] net::awaitable<Response> sign_in_page(const Request& req, const std::string& request_id,
                                                      const Pending& p, const Session& s);
  [[nodiscard]] Response federated_start(const Request& req, const std::string& request_id, const Pending& p,
                                         std::size_t idp);
  [[nodiscard]] Response federated_choice(const Request& req, std::string_view query);
  [[nodiscard]] Response federated_callback(const Request& req, std::string_view query);
  [[nodiscard]] Response federated_refusal(const Request& req, const SignInEvent& event, http::status status,
                                           std::string_view message);
  // After a successful sign-in (either way): a fresh session, the scopes narrowed to the user,
  // then consent or the code.
  [[nodiscard]] Response signed_in(const Request& req, const std::string& request_id, Pending pending,
                                   const std::string& old_session, const std::string& username);

  // consent.cpp
  [[nodiscard]] Response consent_page(const Request& req, const std::string& request_id, const Pending& p,
                                      const Session& s);
  [[nodiscard]] Response consent_post(const Request& req);

  // client_authentication.cpp
  [[nodiscard]] net::awaitable<OAuthResult<AuthenticatedClient>> authenticate_client(const Request& req,
                                                                                     const Params& params,
                                                                                     bool require_confidential);
  [[nodiscard]] expected<void, std::string> verify_client_assertion(std::string_view assertion, const ClientRecord& c);

  // access_tokens.cpp
  [[nodiscard]] Result<Minted> mint_access_token(std::string_view subject, std::string_view client_id,
                                                 std::string_view resource, std::string_view scope,
                                                 const boost::json::object& extra = {});
  // Like mint_access_token, with a jti chosen before the store transaction recorded it.
  [[nodiscard]] Result<Minted> mint_with_jti(std::string_view sub, std::string_view client_id,
                                             std::string_view resource, std::string_view scope, const std::string& jti,
                                             boost::json::object extra = {});
  [[nodiscard]] boost::json::object token_body(const Minted& at, std::string_view scope,
                                               const std::string& refresh = {}) const;
  // An access token this server issued, verified (signature, issuer, expiry, revocation).
  [[nodiscard]] expected<boost::json::object, std::string> verify_own_token(std::string_view token);

  // token_endpoint.cpp
  [[nodiscard]] net::awaitable<Response> token_request(Exchange& ex);
  [[nodiscard]] net::awaitable<expected<boost::json::object, AuthorizationServer::GrantError>> internal_grant(
      Params form, std::string client_id);
  [[nodiscard]] OAuthResult<boost::json::object> run_grant(const std::string& g, const Params& params,
                                                           const AuthenticatedClient& client);
  // The protected resource a token request names by resource and/or audience (RFC 8707, RFC 8693).
  [[nodiscard]] OAuthResult<const ProtectedResource*> target_resource(const Params& p);
  [[nodiscard]] OAuthResult<std::string> narrow_scope(const Params& p, const ProtectedResource& res,
                                                      const std::vector<std::string>& ceiling,
                                                      const std::vector<std::string>& fallback);

  // introspection.cpp
  [[nodiscard]] net::awaitable<Response> introspect_request(Exchange& ex);
  [[nodiscard]] boost::json::object introspection(const std::string& token, const std::string& client_id);

  // revocation.cpp
  [[nodiscard]] net::awaitable<Response> revoke_request(Exchange& ex);
  [[nodiscard]] bool revoke(const std::string& token, const std::string& client_id);
  // Reads the revoked jtis back from the store into revoked_; a failure is logged and retried by
  // the next periodic reload (schedule_revocation_reload). Returns the jtis it added.
  std::vector<std::string> reload_revocations();
  [[nodiscard]] bool is_revoked(std::string_view jti) const;
  void add_revoked(const std::vector<AuthorizationServer::Revocation>& revoked);
  // Tells the listener (the replicas' broadcast) of access tokens revoked here; `expires_at` for
  // the jtis of a revoked grant, whose expiries the store does not return: none outlives it.
  void announce(const std::vector<std::string>& jtis, Seconds expires_at);

  // registration.cpp
  [[nodiscard]] Response register_client(const Request& req, const std::string& ip);

  // logout.cpp
  [[nodiscard]] Response logout_page(const Request& req);
  [[nodiscard]] Response logout_post(const Request& req);
  // The ID token of a federated user's last sign-in here, for id_token_hint at the provider's
  // logout. In memory only (never stored): a sign-out through another replica goes without it.
  void remember_id_token(const std::string& user, std::string id_token);

  // provider_recheck.cpp
  [[nodiscard]] Result<void> keep_provider_token(const std::string& subject, const Secret& refresh_token);
  // Before a refresh of a federated user's grant: the provider still knows the user, or the
  // answer to give (the family revoked when the provider refused).
  [[nodiscard]] std::optional<OAuthFailure> recheck_at_provider(const RefreshToken& grant);

  Options opt_;
  std::unique_ptr<Store> store_;
  const Clock& clock_;
  Random& random_;
  std::shared_ptr<MetadataFetcher> fetcher_;
  SigningKeys keys_;
  std::string prefix_;
  bool secure_cookies_ = true;
  std::vector<std::unique_ptr<const Grant>> grants_;

  std::mutex mu_;
  std::map<std::string, std::pair<ClientRecord, Seconds>> cimd_cache_;
  // Browser sessions and pending authorization requests: in this process or shared (Dependencies).
  std::shared_ptr<LoginStateStore> login_state_;
  std::atomic<bool> login_state_down_{false};  // the last call failed (for logging once per change)

  mutable std::shared_mutex revoked_mu_;
  std::unordered_set<std::string> revoked_;
  std::atomic<bool> revocations_stale_{false};  // the last reload_revocations() failed
  std::atomic<Seconds> last_revocation_reload_ok_{0};
  AuthorizationServer::RevocationListener revocation_listener_;  // set before serving

  std::unique_ptr<AttemptLimiter> login_user_, login_ip_, dcr_ip_;
  std::vector<TrustedIdpKeys> idps_;
  std::vector<std::unique_ptr<UpstreamIdpClient>> upstream_idps_;
  std::map<std::string, FederatedLogin> federated_;  // under mu_
  static constexpr std::size_t kMaxFederatedLogins = 100'000;
  SignInAudit audit_;
  std::map<std::string, std::pair<std::string, Seconds>> id_tokens_;  // user → (ID token, expiry), under mu_
  std::optional<TokenSealer> sealer_;                                 // with token_encryption_key
  std::array<std::mutex, 16> recheck_mu_;                             // one provider redemption per user at a time
  std::atomic<Seconds> last_maintenance_{0};
  std::atomic<Seconds> last_revocation_reload_{0};
  std::atomic<bool> revocation_reload_running_{false};

  static constexpr std::ptrdiff_t kMaxHashes = 64;
  std::counting_semaphore<kMaxHashes> hash_slots_;
  // Last: destroyed first, so its threads finish their work while everything they use is alive.
  BlockingPool pool_;
};

}  // namespace mcpgate::authserver
