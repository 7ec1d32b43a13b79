#pragma once
// The gateway's configuration: an immutable snapshot, built once from YAML and validated whole.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "core/result.hpp"
#include "net/tls_options.hpp"
#include "policy/policy.hpp"

namespace mcpgate::config {

struct StdioUpstream {
  std::vector<std::string> command;  // argv; command[0] is looked up in PATH
  std::map<std::string, std::string> env;
  std::string cwd;
  // per_session: one child per legacy client session (server→client requests reach the right
  // client, as stdio servers assume one client). shared: one child for every client.
  // per_principal: one child per principal (issuer, subject, client), started with a token
  // exchanged for that principal in its environment (`credentials.env`), replaced before the
  // token expires.
  enum class Mode { per_session, shared, per_principal } mode = Mode::per_session;
  // per_principal only. A child with no request for idle_timeout stops (unset: the endpoint's
  // limits.session_idle_timeout); at most max_children run at once; renew_before: how long before
  // its token expires a child is replaced (unset: a fifth of the token's life, at most 30 s).
  std::optional<std::chrono::milliseconds> idle_timeout;
  std::size_t max_children = 64;
  std::optional<std::chrono::milliseconds> renew_before;
};

struct HttpUpstream {
  std::string url;
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";
  std::map<std::string, std::string> headers;
  bool https = false;
  net::TlsClientOptions tls;  // `tls:` — CA file, client certificate (mTLS), server name
};

// What the gateway presents to one upstream. Never the client's own token (MCP authorization,
// "Access Token Privilege Restriction": no token passthrough); docs/configuration.md "Credentials".
struct Credentials {
  enum class Mode { none, static_header, client_credentials, token_exchange };
  Mode mode = Mode::none;
  // client_credentials and token_exchange: the authorization server. Neither token_endpoint nor
  // issuer: the embedded one, in process. issuer alone: its token endpoint from its metadata.
  std::string token_endpoint;
  std::string issuer;
  // Or the server the upstream itself names: the upstream is a protected MCP server, and its
  // Protected Resource Metadata (RFC 9728) lists its authorization server (http upstreams only).
  bool discover = false;
  std::string client_id;      // the gateway's client there ("mcpgate" for the embedded server)
  std::string client_secret;  // read from client_secret_env or client_secret_file, never inline
  bool client_secret_post = false;
  // private_key_jwt (RFC 7523 §2.2): a client assertion signed with this key instead of a secret.
  std::string client_key_pem;  // read from client_key_file
  std::string client_key_id;   // the `kid` the server knows the key by (optional)
  std::string client_key_alg = "ES256";
  std::string audience;  // RFC 8693 `audience`
  std::string resource;  // RFC 8707 `resource`; default: the upstream's URL when there is one
  // token_exchange: the scopes to ask for, from the client's granted scopes. A client scope
  // without an entry asks for nothing; the token endpoint may grant fewer.
  std::map<std::string, std::vector<std::string>> scope_map;
  std::vector<std::string> scopes;  // client_credentials: the scopes to ask for
  net::TlsClientOptions tls;        // toward the authorization server
  // static_header: `header: value`, the value read from value_env or value_file.
  std::string header = "Authorization";
  std::string value;
  // stdio upstreams: the environment variable of the child that receives the bare access token.
  std::string env;
  bool embedded() const { return token_endpoint.empty() && issuer.empty() && !discover; }
};

struct Upstream {
  std::string name;
  std::string prefix;  // prepended to tool and prompt names (and resource URIs get no prefix)
  std::optional<StdioUpstream> stdio;
  std::optional<HttpUpstream> http;
  std::chrono::milliseconds request_timeout{120'000};
  std::chrono::milliseconds restart_backoff_max{30'000};
  // Admission in front of the upstream (all its sessions together): requests at the upstream at
  // once, requests waiting for a slot, and how long one may wait before it is shed with 503.
  std::size_t max_concurrent_requests = 256;
  std::size_t max_pending_requests = 10'000;
  std::chrono::milliseconds queue_timeout{5'000};
  Credentials credentials;
};

struct Issuer {
  std::string issuer;                                     // exact, as in the tokens' iss
  std::vector<std::string> algorithms{"ES256", "RS256"};  // allow-list
  // Where the keys come from: one of these, else the issuer's metadata (RFC 8414, then OIDC).
  std::string jwks_uri;
  std::string jwks_file;
  std::string jwks_inline;
  std::string shared_secret;               // HS256/384/512 only when set explicitly
  bool require_access_token_type = false;  // typ at+jwt (RFC 9068)
  std::chrono::seconds leeway{30};
  std::chrono::seconds jwks_min_refetch{30};
  net::TlsClientOptions tls;  // for jwks_uri and metadata discovery over https
};

struct Introspection {
  std::string endpoint;
  std::string client_id;
  std::string client_secret;
  bool client_secret_post = false;  // default client_secret_basic
  std::string issuer;               // when set, the response's iss must equal it
  std::chrono::seconds max_cache{60};
  net::TlsClientOptions tls;
};

struct Auth {
  // Serving an endpoint without authorization is an explicit, visible choice: it exists for the
  // conformance suites and local development, and is logged loudly at start-up.
  bool anonymous = false;
  std::string resource;  // default: public_url + path
  std::string resource_name;
  std::string resource_documentation;
  std::vector<std::string> scopes_supported;       // PRM baseline; the 401 challenge's scope
  std::vector<std::string> required_scopes;        // every request needs these
  std::vector<std::string> authorization_servers;  // default: the issuers
  std::vector<Issuer> issuers;
  std::optional<Introspection> introspection;
  bool resource_defaulted = false;
  bool embedded_issuer = false;  // issuers filled in from the embedded authorization server
  bool authorization_servers_defaulted = false;
  std::size_t token_cache_entries = 10'000;
  std::chrono::seconds token_cache_max_ttl{300};
};

struct Endpoint {
  std::string name;
  std::string path;
  std::vector<Upstream> upstreams;
  Auth auth;
  // Absent: every authenticated request is allowed. Present: deny unless a rule allows.
  std::optional<policy::Policy> policy;
};

// A token bucket: `per_second` requests a second on average, up to `burst` at once. 0: no limit.
struct RateLimit {
  double per_second = 0;
  double burst = 0;
  bool enabled() const { return per_second > 0; }
};

// tools/call of tools matching `tools` (globs) gets this per-principal, per-tool rate instead of
// the default one.
struct ToolRate {
  std::vector<std::string> tools;
  RateLimit rate;
};

// Fairness between authenticated principals (issuer + subject + client). Anonymous callers have no
// principal and are not counted here; the upstream admission limits still bound them. 0: no limit.
struct PrincipalLimits {
  std::size_t max_sessions = 32;             // legacy sessions open at once (each may own children)
  std::size_t max_concurrent_requests = 64;  // requests being answered at once
  RateLimit requests{50, 200};               // every request and notification
  RateLimit tool_calls{20, 60};              // tools/call, per tool name
  std::vector<ToolRate> tool_overrides;
  std::size_t max_principals = 100'000;  // entries tracked; idle ones are forgotten
  std::chrono::milliseconds idle_expiry{10 * 60'000};
};

// Tasks (2026-07-28 tasks extension) the gateway binds to the principals that created them.
struct TaskLimits {
  std::size_t max_tasks = 100'000;                    // remembered at once per endpoint
  std::size_t max_per_principal = 1'000;              // past it, the principal's task expiring first is forgotten
  std::chrono::milliseconds max_ttl{24 * 3'600'000};  // the upstream's ttlMs, capped
};

struct Limits {
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_connections = 20'000;
  std::size_t max_sessions = 10'000;
  std::chrono::milliseconds session_idle_timeout{30 * 60'000};
  PrincipalLimits per_principal;
  TaskLimits tasks;
};

// The embedded authorization server (src/authserver). Endpoints whose auth names no issuer,
// introspection or anonymity trust it automatically.
struct AuthorizationServer {
  bool enabled = false;
  std::string issuer;  // default: public_url
  bool issuer_defaulted = false;
  std::string storage = "sqlite:./.mcpgate/as.db";
  // storage: postgres://… only: the connection pool and its deadlines, and the password (from
  // storage_password_env/_file; empty: libpq's own PGPASSWORD, ~/.pgpass or no password).
  std::size_t storage_pool_size = 8;
  int storage_connect_timeout_seconds = 5;
  int storage_statement_timeout_ms = 5000;
  std::string storage_password;
  std::chrono::seconds access_token_ttl{300};
  std::chrono::seconds refresh_token_ttl{30 * 24 * 3600};
  // How soon a token revoked at another replica sharing the store is refused here.
  std::chrono::seconds revocation_reload{5};
  std::optional<bool> allow_loopback_http;  // default: true exactly when the issuer is http on loopback
  bool client_id_metadata_documents = true;
  bool cimd_allow_private_addresses = false;
  bool dynamic_client_registration = true;
  std::vector<std::string> dcr_allowed_redirect_schemes;
  struct TrustedIdp {
    std::string issuer;
    std::string jwks;
  };
  std::vector<TrustedIdp> trusted_idps;
  // `upstream_idp` / `upstream_idps`: OpenID Connect providers people sign in at (federation).
  struct UpstreamIdp {
    std::string name;
    std::string issuer;
    std::string client_id;
    std::string client_secret;   // read from client_secret_env or client_secret_file, never inline
    std::string client_key_pem;  // private_key_jwt: read from its key_file
    std::string client_key_id;
    std::string client_key_alg = "ES256";
    std::vector<std::string> scopes{"openid", "email", "profile"};
    std::vector<std::string> claims;
    std::string user_claim = "sub";
    bool send_resource = false;
    std::vector<std::string> algorithms{"RS256", "ES256", "PS256", "EdDSA"};
    std::chrono::seconds clock_skew{60};
    std::string ca_file;
    bool recheck_on_refresh = false;
    std::chrono::seconds recheck_interval{0};
    bool consent_prompt = true;
    std::string post_logout_redirect_uri;
  };
  std::vector<UpstreamIdp> upstream_idps;
  // token_encryption_key_file / _env: 32 raw bytes (decoded from base64) sealing provider refresh
  // tokens at rest; required with recheck_on_refresh.
  std::string token_encryption_key;
  // The authorization server's blocking pool (storage, password hashing, signing).
  std::size_t blocking_threads = 32;
  std::size_t max_pending_requests = 256;
  int blocking_nice = 10;
  std::size_t max_concurrent_hashes = 0;  // 0: one per core
};

// `drain:` what SIGTERM does (docs/deployment.md, "Health, readiness and drain").
struct Drain {
  // From the signal to the cut: in-flight requests finish within this, then the ones still
  // running are answered with an error and the process exits.
  std::chrono::seconds grace{20};
  // From the signal to closing the listener: /readyz is 503 meanwhile and requests are still
  // served (with `Connection: close`), so that a balancer or Kubernetes notices before new
  // connections are refused. Counted within the grace.
  std::chrono::seconds delay{0};
  // The SSE `retry:` hint that ends open streams.
  std::chrono::milliseconds retry_hint{1000};
};

// `redis:`: the Redis that replicas share for fast state (the revocation broadcast; see
// docs/deployment.md).
struct Redis {
  std::string url;       // redis://host:port/db (checked by redis::parse_url)
  std::string password;  // from password_env or password_file, never from the URL; empty: no AUTH
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
  std::string key_prefix = "mcpgate:";  // every key and channel of this deployment starts with it
  // Past this long with neither a live subscription to the revocation channel nor a successful
  // reload of the revoked set from the store, the embedded server's tokens are refused (503).
  std::chrono::seconds revocation_max_staleness{30};
};

// `sessions:` legacy session ids (Mcp-Session-Id) are sealed so that any replica holding the same
// keys can continue a session (docs/deployment.md, "Sessions across replicas").
struct SessionSealingKey {
  std::string id;      // a name for the operator; never sent
  std::string secret;  // read from secret_env or secret_file, never inline; at least 32 bytes
};
struct Sessions {
  std::vector<SessionSealingKey> sealing_keys;  // the first seals, all open; empty: a random key per process
  std::chrono::seconds max_age{24 * 3600};      // from initialize: after it the id is unknown everywhere
};

struct Gateway {
  std::string source;  // the file it came from, for messages
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::optional<net::TlsServerOptions> tls;  // the listener serves https with these files
  std::string public_url;
  bool public_url_defaulted = false;
  unsigned threads = 0;  // 0: one per core
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_hosts;
  Limits limits;
  AuthorizationServer authorization_server;
  std::optional<Redis> redis;               // absent: no Redis, each replica on its own
  std::string audit_log;                    // path of the JSON-lines audit log; "-" for stderr; empty: none
  log::Level log_level = log::Level::info;  // the operational log (stderr)
  log::Format log_format = log::Format::text;
  Drain drain;
  Sessions sessions;
  std::vector<Endpoint> servers;
};

// Errors name the file, line, column and key: "gw.yaml:7:5: servers[0].path: must start with /".
[[nodiscard]] Result<Gateway> load_gateway_config(const std::string& path);
[[nodiscard]] Result<Gateway> parse_gateway_config(const std::string& yaml_text,
                                                   const std::string& source = "<config>");

// Values derived from others (resource from public_url and path, authorization servers from the
// issuers); call again after changing public_url.
void finish_defaults(Gateway& g);

// "host:port" with IPv6 in brackets.
[[nodiscard]] Result<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& text);

}  // namespace mcpgate::config
