#pragma once
// One issuer's verification keys: where they come from (JwksSource) and the cache in front of
// them (JwksCache). Lookups run on the request path of many threads and read an immutable
// snapshot; a fetch happens on one thread at a time and swaps the snapshot whole.
//
// Rotation without a fetch storm (RFC 8725 §3.10 / house rule 5): an unknown kid triggers at
// most one refetch per min_refetch_interval, whoever asks; every other lookup in that window
// fails with unknown_key. A failed fetch keeps the last good key set.
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "oauth/auth_error.hpp"
#include "oauth/http_fetcher.hpp"
#include "oauth/jwks.hpp"

namespace mcpgate::oauth {

struct JwksDocument {
  std::string body;
  std::optional<std::chrono::seconds> max_age;  // the source's caching hint, if any
};

class JwksSource {
 public:
  virtual ~JwksSource() = default;
  [[nodiscard]] virtual Result<JwksDocument> fetch() = 0;
};

// (a) a key set written in the configuration.
class InlineJwksSource final : public JwksSource {
 public:
  explicit InlineJwksSource(std::string jwks) : jwks_(std::move(jwks)) {}
  [[nodiscard]] Result<JwksDocument> fetch() override { return JwksDocument{jwks_, std::nullopt}; }

 private:
  std::string jwks_;
};

// (b) a file, re-read on every fetch so that an operator can rotate by replacing it.
class FileJwksSource final : public JwksSource {
 public:
  explicit FileJwksSource(std::filesystem::path path, std::size_t max_bytes = 256 * 1024)
      : path_(std::move(path)), max_bytes_(max_bytes) {}
  [[nodiscard]] Result<JwksDocument> fetch() override;

 private:
  std::filesystem::path path_;
  std::size_t max_bytes_;
};

// (c) a jwks_uri.
class UrlJwksSource final : public JwksSource {
 public:
  UrlJwksSource(std::string url, std::shared_ptr<HttpFetcher> http) : url_(std::move(url)), http_(std::move(http)) {}
  [[nodiscard]] Result<JwksDocument> fetch() override;

 private:
  std::string url_;
  std::shared_ptr<HttpFetcher> http_;
};

// (d) the issuer's metadata (RFC 8414 §3, OIDC Discovery §4), then its jwks_uri. The metadata's
// issuer must equal the configured one.
class MetadataJwksSource final : public JwksSource {
 public:
  MetadataJwksSource(std::string issuer, std::shared_ptr<HttpFetcher> http)
      : issuer_(std::move(issuer)), http_(std::move(http)) {}
  [[nodiscard]] Result<JwksDocument> fetch() override;

 private:
  std::string issuer_;
  std::shared_ptr<HttpFetcher> http_;
};

struct JwksCacheOptions {
  std::chrono::seconds min_refetch_interval{30};  // unknown-kid refetches, and retry after failure
  std::chrono::seconds default_refresh{600};      // when the source gives no max-age
  std::chrono::seconds min_refresh{60};
  std::chrono::seconds max_refresh{24 * 3600};
  JwkOptions key_options;
  JwksLimits limits;
};

class JwksCache {
 public:
  JwksCache(std::unique_ptr<JwksSource> source, JwksCacheOptions options, const Clock& clock);

  // Keys that may verify (kid, alg). On a miss, at most one refetch per min_refetch_interval.
  //   no compatible key         → unknown_key
  //   never had a key set       → keys_unavailable
  [[nodiscard]] AuthResult<std::vector<std::shared_ptr<const Jwk>>> find(const std::optional<std::string>& kid,
                                                                         Algorithm alg);

  // Fetch now (start-up, or an operator's reload). Keeps the old set on failure.
  [[nodiscard]] Result<void> refresh();
  // For a background timer: refreshes when the max-age (or default) has run out. True if it fetched.
  bool refresh_if_due();

  std::shared_ptr<const JwkSet> snapshot() const;
  std::chrono::system_clock::time_point next_refresh() const;
  std::size_t fetch_count() const;

 private:
  // Claims the right to fetch under the lock, fetches without it, swaps the result in.
  [[nodiscard]] Result<void> fetch_locked_out(bool forced);

  std::unique_ptr<JwksSource> source_;
  JwksCacheOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::shared_ptr<const JwkSet> keys_;
  std::optional<std::chrono::system_clock::time_point> last_attempt_;
  std::chrono::system_clock::time_point next_refresh_{};
  bool fetching_ = false;
  std::condition_variable fetched_;
  std::size_t fetches_ = 0;
};

}  // namespace mcpgate::oauth
