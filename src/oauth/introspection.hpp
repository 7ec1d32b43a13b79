#pragma once
// Token introspection (RFC 7662) for opaque tokens: the client behind a small interface, and the
// policy applied to its answer (active, issuer, audience, expiry) — the same policy a JWT meets.
#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "core/secret.hpp"
#include "oauth/access_token.hpp"
#include "oauth/auth_error.hpp"
#include "oauth/http_fetcher.hpp"

namespace mcpgate::oauth {

class Introspector {
 public:
  virtual ~Introspector() = default;
  // The introspection response object (RFC 7662 §2.2), or introspection_failed when the endpoint
  // could not be asked or answered something that is not a response.
  [[nodiscard]] virtual AuthResult<boost::json::object> introspect(const Secret& token) = 0;
};

enum class ClientAuthMethod { client_secret_basic, client_secret_post };

struct IntrospectionClientConfig {
  std::string endpoint;
  std::string client_id;
  Secret client_secret;
  ClientAuthMethod auth_method = ClientAuthMethod::client_secret_basic;
};

class HttpIntrospector final : public Introspector {
 public:
  HttpIntrospector(IntrospectionClientConfig config, std::shared_ptr<HttpFetcher> http)
      : config_(std::move(config)), http_(std::move(http)) {}
  [[nodiscard]] AuthResult<boost::json::object> introspect(const Secret& token) override;
  // The request it would send (for tests: credentials placement and encoding).
  HttpFetchRequest build_request(const Secret& token) const;

 private:
  IntrospectionClientConfig config_;
  std::shared_ptr<HttpFetcher> http_;
};

// Strict JSON object with a boolean `active` (RFC 7662 §2.2).
[[nodiscard]] Result<boost::json::object> parse_introspection_response(std::string_view text);

struct IntrospectionPolicy {
  std::optional<std::string> issuer;  // when set, a response's iss (if any) must equal it
  std::string resource;               // aud must name it (string or array)
  std::chrono::seconds leeway{30};
  // Responses without exp are cached for at most this long (the token cache's max_ttl also applies).
  std::chrono::seconds default_lifetime{60};
};

//   active ≠ true           → inactive
//   iss mismatch            → wrong_issuer
//   aud missing or not us   → wrong_audience
//   exp past / nbf future   → expired / not_yet_valid
[[nodiscard]] AuthResult<Principal> principal_from_introspection(const boost::json::object& response,
                                                                 const IntrospectionPolicy& policy,
                                                                 std::chrono::system_clock::time_point now);

// application/x-www-form-urlencoded (RFC 6749 Appendix B).
std::string form_urlencode(std::string_view s);

}  // namespace mcpgate::oauth
