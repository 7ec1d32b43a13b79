#pragma once
// Validation results by token hash, so that a token seen before costs a hash and a lookup, not a
// signature verification. Bounded (sharded LRU), keyed by SHA-256 of the token (the token itself
// is never stored), positive entries live until min(token exp, max_ttl), negative ones briefly.
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "oauth/access_token.hpp"
#include "oauth/auth_error.hpp"

namespace mcpgate::oauth {

struct TokenCacheOptions {
  std::size_t capacity = 16 * 1024;
  std::size_t shards = 16;
  std::chrono::seconds max_ttl{300};
  std::chrono::seconds negative_ttl{10};
};

using PrincipalPtr = std::shared_ptr<const Principal>;

class TokenCache {
 public:
  TokenCache(TokenCacheOptions options, const Clock& clock);

  static std::string key_for(std::string_view token);

  std::optional<AuthResult<PrincipalPtr>> get(const std::string& key);
  void put(const std::string& key, PrincipalPtr principal);
  // Only for reasons that cannot change within negative_ttl; transient ones (keys or the
  // introspection endpoint unavailable, unknown kid, not yet valid) are never cached.
  void put_negative(const std::string& key, AuthError reason);
  std::size_t size() const;

 private:
  struct Entry {
    std::string key;
    PrincipalPtr principal;  // null for a negative entry
    AuthError reason{};
    std::chrono::system_clock::time_point expires;
  };
  struct Shard {
    mutable std::mutex mu;
    std::list<Entry> lru;  // front = most recent
    std::unordered_map<std::string, std::list<Entry>::iterator> index;
  };
  Shard& shard_for(const std::string& key);
  void insert(Entry e);

  TokenCacheOptions options_;
  const Clock& clock_;
  std::size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace mcpgate::oauth
