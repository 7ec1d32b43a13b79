#pragma once
// Configuration of the embedded authorization server. Filled by the application from the gateway
// YAML (`authorization_server:`); immutable once the server is built.
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/secret.hpp"

namespace mcpgate::authserver {

// One protected resource (an MCP endpoint): its RFC 8707 identifier becomes the `aud` of every
// token issued for it.
struct ProtectedResource {
  std::string resource;                       // canonical URL, compared exactly
  std::vector<std::string> scopes_supported;  // a request may only ask for these
  // Granted when an authorization request names no scope. Empty: such a token carries no scope.
  std::vector<std::string> default_scopes;
  // A resource behind the gateway (an upstream): token exchange (RFC 8693) may grant, for a
  // subject token holding scope s, the scopes exchange_scopes[s] — and nothing else. Empty: an
  // exchanged token can only carry scopes the subject token had.
  std::map<std::string, std::vector<std::string>> exchange_scopes;
};

// An identity provider trusted to issue ID-JAGs (MCP enterprise-managed authorization,
// RFC 7523 jwt-bearer grant).
struct TrustedIdp {
  std::string issuer;  // exact `iss`
  std::string jwks;    // the IdP's JWK Set as JSON text (configured, never fetched)
};

// An OpenID Connect provider people sign in at instead of a local password (federation, see
// docs/identity-providers.md): mcpgate is its client (authorization code + PKCE), the provider's
// ID token names the user, and mcpgate still issues its own tokens to MCP clients.
struct UpstreamIdp {
  std::string name;    // shown on the choice page when several are configured
  std::string issuer;  // exact `iss`; metadata from {issuer}/.well-known/openid-configuration
  std::string client_id;
  Secret client_secret;        // client_secret_basic, when set
  std::string client_key_pem;  // private_key_jwt (RFC 7523 §2.2), when set instead of a secret
  std::string client_key_id;
  std::string client_key_alg = "ES256";
  std::vector<std::string> scopes{"openid", "email", "profile"};
  std::vector<std::string> claims;  // copied from the ID token into mcpgate's access tokens
  std::string user_claim = "sub";   // the claim naming the user at the provider
  bool send_resource = false;       // RFC 8707 `resource` toward the provider
  std::vector<std::string> algorithms{"RS256", "ES256", "PS256", "EdDSA"};  // ID token alg allow-list
  std::chrono::seconds clock_skew{60};
  // Plain http only to a loopback provider (tests, development), as for auth.issuers fetches.
  std::string ca_file;  // trust anchors for an https provider besides the system's
  // Keep the provider's refresh token (sealed under token_encryption_key) and redeem it at each
  // refresh of mcpgate's tokens, at most once per interval (0: every refresh): a user disabled at
  // the provider loses access at the next refresh after that.
  bool recheck_on_refresh = false;
  std::chrono::seconds recheck_interval{0};
  bool consent_prompt = true;  // with recheck_on_refresh: prompt=consent along with offline_access
  // Where the provider sends the browser after its logout (registered there); empty: not sent.
  std::string post_logout_redirect_uri;
};

struct RateLimit {
  std::size_t max_failures = 5;  // failed logins allowed in one window
  std::chrono::seconds window{15 * 60};
};

struct Options {
  // Exactly as configured: it is compared byte for byte with `iss`, with the metadata URL and
  // with the RFC 9207 `iss` parameter, so it is never normalized.
  std::string issuer;
  // "sqlite:PATH" (PATH may be relative). The database holds private signing keys: it is created
  // with mode 0600.
  std::string storage = "sqlite:./.mcpgate/as.db";
  std::vector<ProtectedResource> resources;

  std::chrono::seconds access_token_ttl{5 * 60};
  std::chrono::seconds refresh_token_ttl{30 * 24 * 3600};
  std::chrono::seconds code_ttl{60};
  std::chrono::seconds login_session_ttl{8 * 3600};
  // How long an authorization request may wait for the user to log in and consent.
  std::chrono::seconds pending_request_ttl{10 * 60};

  // Development only: accept an http:// issuer on a loopback host; cookies then lose their
  // __Host- prefix and Secure attribute (a browser drops Secure cookies on plain HTTP).
  bool allow_loopback_http = false;

  // Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document).
  bool cimd_enabled = true;
  // Development only: fetch metadata documents from private, loopback and link-local addresses
  // and over plain http. Off, such a document is refused (SSRF).
  bool cimd_allow_private_addresses = false;
  std::size_t cimd_max_bytes = 64 * 1024;
  std::chrono::milliseconds cimd_timeout{5'000};
  std::chrono::seconds cimd_cache_ttl{300};
  std::size_t cimd_cache_entries = 1024;

  // Dynamic Client Registration (RFC 7591).
  bool dcr_enabled = true;
  // Redirect URI schemes DCR accepts besides https and loopback http (e.g. a native app's
  // private-use scheme "com.example.app").
  std::vector<std::string> dcr_allowed_redirect_schemes;
  std::size_t dcr_max_per_window = 20;  // registrations per source address per window
  std::chrono::seconds dcr_window{3600};

  RateLimit login_per_user{5, std::chrono::seconds(15 * 60)};
  RateLimit login_per_ip{20, std::chrono::seconds(15 * 60)};

  std::vector<TrustedIdp> trusted_idps;

  // Sign-in through these OpenID Connect providers instead of the password form (empty: local
  // passwords).
  std::vector<UpstreamIdp> upstream_idps;
  // 32 raw bytes: AES-256-GCM key for provider refresh tokens at rest (recheck_on_refresh).
  Secret token_encryption_key;

  // A retired signing key stays in the JWKS this long after rotation (at least the access token
  // TTL, so every token it signed can still be verified).
  std::chrono::seconds retired_key_grace{0};  // 0: access_token_ttl + 60 s
  // How often a running server looks for keys rotated by `mcpgate keys rotate`.
  std::chrono::seconds key_reload_interval{10};
  // How often a running server reads back the revoked access tokens, so that a token revoked
  // through another process on the same store (a replica on PostgreSQL) is refused here too.
  // The bound on that delay, give or take a second; a cheap indexed read of unexpired rows.
  std::chrono::seconds revocation_reload_interval{5};

  // The authorization server's own threads for storage, password hashing and signing (see
  // blocking_pool.hpp): the gateway's serving threads never wait for them.
  std::size_t blocking_threads = 32;
  // Requests being served at once (waiting for those threads or on them); beyond it a request is
  // answered 503 temporarily_unavailable with Retry-After at once.
  std::size_t max_pending_requests = 256;
  // Added to the nice value of those threads, so that a flood of token or login requests yields
  // the cores to MCP traffic. 0 leaves their priority alone.
  int blocking_nice = 10;
  // Argon2 verifications at once (each holds 19 MiB); 0: one per core.
  std::size_t max_concurrent_hashes = 0;
};

}  // namespace mcpgate::authserver
