#include "gateway/ended_sessions.hpp"

#include "core/secret.hpp"

namespace mcpgate::gateway {

namespace {
// Ids run to a few kilobytes; their hash is what is kept.
std::string key_of(std::string_view id) {
  return sha256_hex(id);
}
}  // namespace

void EndedSessions::add(std::string_view id, std::int64_t expires, std::int64_t now) {
  if (max_ == 0 || expires <= now) return;
  auto key = key_of(id);
  std::lock_guard lock(mutex_);
  forget_expired(now);
  if (by_id_.contains(key)) return;
  if (by_id_.size() >= max_) {
    auto first = by_expiry_.begin();
    by_id_.erase(first->second);
    by_expiry_.erase(first);
  }
  by_id_.emplace(key, expires);
  by_expiry_.emplace(expires, std::move(key));
}

bool EndedSessions::contains(std::string_view id, std::int64_t now) {
  auto key = key_of(id);
  std::lock_guard lock(mutex_);
  forget_expired(now);
  return by_id_.contains(key);
}

std::size_t EndedSessions::size() const {
  std::lock_guard lock(mutex_);
  return by_id_.size();
}

void EndedSessions::forget_expired(std::int64_t now) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    by_id_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
}

}  // namespace mcpgate::gateway
