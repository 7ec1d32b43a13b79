#include "exchange/token_cache.hpp"

namespace mcpgate::exchange {

void TokenCache::erase_locked(std::unordered_map<std::string, Entry>::iterator it) {
  by_expiry_.erase(it->second.by_expiry);
  entries_.erase(it);
}

std::optional<Secret> TokenCache::get(const std::string& key, time_point now) {
  auto hit = find(key, now);
  if (!hit) return std::nullopt;
  return std::move(hit->first);
}

std::optional<std::pair<Secret, TokenCache::time_point>> TokenCache::find(const std::string& key, time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    erase_locked(it);
    return std::nullopt;
  }
  return std::pair{it->second.value, it->second.expires};
}

void TokenCache::put(const std::string& key, Secret value, time_point expires, time_point now) {
  if (expires <= now) return;
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) erase_locked(it);
  while (!by_expiry_.empty() && (by_expiry_.begin()->first <= now || entries_.size() >= max_))
    erase_locked(entries_.find(by_expiry_.begin()->second));
  auto pos = by_expiry_.emplace(expires, key);
  entries_.emplace(key, Entry{std::move(value), expires, pos});
}

void TokenCache::erase(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) erase_locked(it);
}

std::size_t TokenCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace mcpgate::exchange
