#pragma once
// One upstream OpenID Connect provider, as its client: its discovered metadata (OIDC Discovery
// 1.0 §4), the authorization request we send people to, the code redeemed at its token endpoint,
// and its ID token validated against its key set. Everything here blocks (HTTP with a deadline):
// it runs on the authorization server's blocking pool, never on a serving thread.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "authserver/id_token.hpp"
#include "authserver/options.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "oauth/http_fetcher.hpp"
#include "oauth/jwks_cache.hpp"
#include "oauth/token_minter.hpp"

namespace mcpgate::authserver {

struct ProviderMetadata {
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  bool iss_parameter = false;        // authorization_response_iss_parameter_supported (RFC 9207)
  std::string end_session_endpoint;  // OpenID Connect RP-Initiated Logout 1.0; empty when none
};

// Why a sign-in at the provider failed before an ID token could be judged.
enum class ProviderError {
  unavailable,    // metadata, token endpoint or keys could not be reached, or answered garbage
  refused,        // the token endpoint answered an OAuth error (invalid_grant, …)
  no_id_token,    // the token response carries no id_token (not an OpenID Connect answer)
  misconfigured,  // our own client key or the metadata's endpoints are unusable
};
std::string_view name(ProviderError e);

struct ProviderFailure {
  ProviderError error;
  std::string detail;  // for the operational log only: never shown to the browser
};

struct AuthorizationRequest {
  std::string redirect_uri;
  std::string state;
  std::string nonce;
  std::string code_challenge;  // S256
  std::string resource;        // sent only with send_resource
};

// What the code (or a refresh) redeemed at the provider's token endpoint gave.
struct ProviderTokens {
  std::string id_token;  // not yet validated; empty after a refresh that sent none
  Secret refresh_token;  // empty when the provider issued (or rotated to) none
};

class UpstreamIdpClient {
 public:
  // Fails when the client key cannot be read or an option cannot work (start-up errors).
  [[nodiscard]] static Result<std::unique_ptr<UpstreamIdpClient>> create(UpstreamIdp options,
                                                                         std::shared_ptr<oauth::HttpFetcher> http,
                                                                         const Clock& clock);

  const UpstreamIdp& options() const { return opt_; }
  // Discovered once; a failure is retried at the next sign-in.
  [[nodiscard]] expected<ProviderMetadata, ProviderFailure> metadata();
  [[nodiscard]] expected<std::string, ProviderFailure> authorization_url(const AuthorizationRequest& r);
  // The authorization code redeemed (with the PKCE verifier): the ID token, not yet validated.
  [[nodiscard]] expected<ProviderTokens, ProviderFailure> redeem(std::string_view code, std::string_view redirect_uri,
                                                                 std::string_view verifier, std::string_view resource);
  // The provider's refresh token redeemed (RFC 6749 §6), to learn whether the provider still
  // knows the user: `refused` when it answers an OAuth error (invalid_grant: the account was
  // disabled or deleted, the grant revoked), `unavailable` when it cannot be asked.
  [[nodiscard]] expected<ProviderTokens, ProviderFailure> refresh(std::string_view refresh_token);
  [[nodiscard]] expected<IdToken, IdTokenError> validate(std::string_view id_token, std::string_view nonce,
                                                         std::int64_t now);

 private:
  [[nodiscard]] expected<boost::json::object, ProviderFailure> token_request(std::string body);
  UpstreamIdpClient(UpstreamIdp o, std::shared_ptr<oauth::HttpFetcher> http, const Clock& clock)
      : opt_(std::move(o)), http_(std::move(http)), clock_(clock) {}
  UpstreamIdp opt_;
  std::shared_ptr<oauth::HttpFetcher> http_;
  const Clock& clock_;
  std::optional<oauth::SigningKey> key_;
  std::optional<oauth::Algorithm> key_alg_;
  std::vector<oauth::Algorithm> algorithms_;
  std::mutex mu_;
  std::optional<ProviderMetadata> meta_;
  std::unique_ptr<oauth::JwksCache> jwks_;
};

}  // namespace mcpgate::authserver
