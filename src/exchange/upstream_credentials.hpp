#pragma once
// The credential one upstream receives (docs/configuration.md, "Credentials"), obtained between
// the policy decision and the upstream call. Never the client's token: the MCP authorization
// specification forbids passing it through ("Token Passthrough"); what carries the user's
// authority downstream is a token minted for the upstream alone (RFC 8693 token exchange), with
// the upstream as its audience and only the scopes the configuration maps the client's to.
//
//   none                nothing is added
//   static              a fixed header from the environment or a file (the gateway's API key)
//   client_credentials  the gateway's own token for the upstream (RFC 6749 §4.4), cached
//   token_exchange      per subject token: subject_token = the client's validated token,
//                       resource/audience = the upstream, scope = mapped; cached per (subject
//                       token hash, audience, scopes) and never beyond the subject token's expiry
#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/gateway_config.hpp"
#include "exchange/token_cache.hpp"
#include "exchange/token_endpoint.hpp"

namespace mcpgate::exchange {

// The client whose request is being forwarded, as far as an exchange needs it.
struct SubjectToken {
  Secret token;                     // the validated bearer token
  std::string token_key;            // a hash of it (the resource server's cache key)
  std::vector<std::string> scopes;  // granted to the client
  std::chrono::system_clock::time_point expiry{};
};

struct CredentialError {
  TokenError::Reason reason;
  std::string oauth_error;  // the token endpoint's error code, when it sent one
  std::string description;  // no token material
};

// A bare access token (no "Bearer ") and when it expires: what a stdio child receives in its
// environment and is replaced before.
struct UpstreamToken {
  Secret token;
  std::chrono::system_clock::time_point expires{};
};

// What went wrong, for the client and the audit log: the kind of failure and the token endpoint's
// OAuth error code, never its description (which may name internal URLs).
std::string describe(const CredentialError& e);

class UpstreamCredentials {
 public:
  UpstreamCredentials(config::Credentials config, std::shared_ptr<TokenEndpoint> endpoint);

  config::Credentials::Mode mode() const { return config_.mode; }
  bool adds_header() const { return config_.mode != config::Credentials::Mode::none; }
  const std::string& header() const { return config_.header; }

  // The header value for a request made for `subject` (null: a request the gateway makes for
  // itself, e.g. opening the shared upstream session; token_exchange then uses the gateway's own
  // client_credentials token). `fresh`: the upstream refused the previous value; ask again.
  [[nodiscard]] net::awaitable<expected<Secret, CredentialError>> value(const SubjectToken* subject, bool fresh);

  // The same token (same cache), bare, with its expiry: never later than the subject token's.
  // client_credentials and token_exchange only.
  [[nodiscard]] net::awaitable<expected<UpstreamToken, CredentialError>> token_for(const SubjectToken* subject,
                                                                                   bool fresh);

  // The scopes asked of the token endpoint for a client holding `granted` (token_exchange).
  std::vector<std::string> mapped_scopes(const std::vector<std::string>& granted) const;

  // For /metrics: tokens obtained and failures by reason, cache hits and misses, time spent asking.
  struct Stats {
    std::uint64_t issued = 0;
    std::array<std::uint64_t, 4> failed{};  // by TokenError::Reason
    std::uint64_t hits = 0, misses = 0;
    std::uint64_t joined = 0;  // waited for another request's token instead of asking
    double request_seconds = 0;
    std::uint64_t requests = 0;
  };
  Stats stats() const;

 private:
  // From the cache, or from the token endpoint (once per key at a time).
  [[nodiscard]] net::awaitable<expected<UpstreamToken, CredentialError>> fetch(
      std::string cache_key, Form form, std::chrono::system_clock::time_point not_after);
  [[nodiscard]] net::awaitable<expected<UpstreamToken, CredentialError>> ask(
      const std::string& cache_key, Form form, std::chrono::system_clock::time_point not_after);
  // One request to the token endpoint per key at a time: concurrent first calls with one client
  // token wait for the same answer instead of each exchanging (the stampede of a cold cache).
  struct Pending;
  [[nodiscard]] net::awaitable<expected<UpstreamToken, CredentialError>> wait_for(std::shared_ptr<Pending> pending);
  config::Credentials config_;
  std::shared_ptr<TokenEndpoint> endpoint_;
  TokenCache cache_;
  std::mutex pending_mutex_;
  std::unordered_map<std::string, std::shared_ptr<Pending>> pending_;
  // Counters for /metrics.
  std::atomic<std::uint64_t> issued_{0};
  std::array<std::atomic<std::uint64_t>, 4> failed_{};  // by TokenError::Reason
  std::atomic<std::uint64_t> hits_{0}, misses_{0}, joined_{0};
  std::atomic<std::uint64_t> latency_us_{0}, latency_count_{0};
};

}  // namespace mcpgate::exchange
