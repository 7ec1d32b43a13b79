#include "oauth/token_cache.hpp"

#include <algorithm>
#include <functional>

#include "core/secret.hpp"

namespace mcpgate::oauth {

TokenCache::TokenCache(TokenCacheOptions options, const Clock& clock) : options_(options), clock_(clock) {
  options_.shards = std::max<std::size_t>(1, options_.shards);
  per_shard_ = std::max<std::size_t>(1, options_.capacity / options_.shards);
  for (std::size_t i = 0; i < options_.shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

std::string TokenCache::key_for(std::string_view token) {
  return sha256_hex(token);
}

TokenCache::Shard& TokenCache::shard_for(const std::string& key) {
  return *shards_[std::hash<std::string>{}(key) % shards_.size()];
}

std::optional<AuthResult<PrincipalPtr>> TokenCache::get(const std::string& key) {
  auto& s = shard_for(key);
  auto now = clock_.now();
  std::lock_guard lock(s.mu);
  auto it = s.index.find(key);
  if (it == s.index.end()) return std::nullopt;
  if (now >= it->second->expires) {
    s.lru.erase(it->second);
    s.index.erase(it);
    return std::nullopt;
  }
  s.lru.splice(s.lru.begin(), s.lru, it->second);
  const Entry& e = *it->second;
  if (e.principal) return AuthResult<PrincipalPtr>(e.principal);
  return AuthResult<PrincipalPtr>(reject(e.reason));
}

void TokenCache::insert(Entry e) {
  auto& s = shard_for(e.key);
  std::lock_guard lock(s.mu);
  if (auto it = s.index.find(e.key); it != s.index.end()) {
    s.lru.erase(it->second);
    s.index.erase(it);
  }
  s.lru.push_front(std::move(e));
  s.index[s.lru.front().key] = s.lru.begin();
  while (s.lru.size() > per_shard_) {
    s.index.erase(s.lru.back().key);
    s.lru.pop_back();
  }
}

void TokenCache::put(const std::string& key, PrincipalPtr principal) {
  if (!principal) return;
  auto expires = std::min(principal->expiry, clock_.now() + options_.max_ttl);
  if (expires <= clock_.now()) return;
  insert(Entry{key, std::move(principal), AuthError{}, expires});
}

void TokenCache::put_negative(const std::string& key, AuthError reason) {
  switch (reason) {
    case AuthError::unknown_key:
    case AuthError::keys_unavailable:
    case AuthError::introspection_failed:
    case AuthError::revocations_unknown:
    case AuthError::not_yet_valid:
      return;
    default:
      break;
  }
  if (options_.negative_ttl.count() <= 0) return;
  insert(Entry{key, nullptr, reason, clock_.now() + options_.negative_ttl});
}

std::size_t TokenCache::size() const {
  std::size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lock(s->mu);
    n += s->lru.size();
  }
  return n;
}

}  // namespace mcpgate::oauth
