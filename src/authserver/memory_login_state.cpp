// The sign-in state in this process (login_state_store.hpp).
#include <algorithm>

#include "authserver/login_state_store.hpp"

namespace mcpgate::authserver {

template <class Map, class V>
void MemoryLoginStateStore::bound_insert(Map& m, const std::string& k, V v, Seconds now) {
  if (m.size() >= max_ && !m.contains(k)) {
    std::erase_if(m, [&](auto& kv) { return kv.second.expires_at <= now; });
    if (m.size() >= max_) m.erase(m.begin());
  }
  m[k] = std::move(v);
}

Result<void> MemoryLoginStateStore::put_session(const std::string& id, const Session& s, Seconds now) {
  std::lock_guard lock(mu_);
  bound_insert(sessions_, id, s, now);
  return {};
}

Result<std::optional<Session>> MemoryLoginStateStore::get_session(const std::string& id, Seconds now) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.expires_at <= now) return std::optional<Session>();
  return std::optional<Session>(it->second);
}

Result<void> MemoryLoginStateStore::erase_session(const std::string& id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
  return {};
}

Result<void> MemoryLoginStateStore::put_pending(const std::string& id, const Pending& p, Seconds now) {
  std::lock_guard lock(mu_);
  bound_insert(pending_, id, p, now);
  return {};
}

Result<void> MemoryLoginStateStore::replace_pending(const std::string& id, const Pending& p, Seconds now) {
  std::lock_guard lock(mu_);
  if (auto it = pending_.find(id); it != pending_.end() && it->second.expires_at > now) it->second = p;
  return {};
}

Result<std::optional<Pending>> MemoryLoginStateStore::get_pending(const std::string& id, Seconds now) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(id);
  if (it == pending_.end() || it->second.expires_at <= now) return std::optional<Pending>();
  return std::optional<Pending>(it->second);
}

Result<std::optional<Pending>> MemoryLoginStateStore::take_pending(const std::string& id, Seconds now) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(id);
  if (it == pending_.end()) return std::optional<Pending>();
  auto p = std::move(it->second);
  pending_.erase(it);
  if (p.expires_at <= now) return std::optional<Pending>();
  return std::optional<Pending>(std::move(p));
}

Result<bool> MemoryLoginStateStore::use_once(const std::string& key, Seconds expires_at, Seconds now) {
  std::lock_guard lock(mu_);
  auto it = used_.find(key);
  if (it != used_.end() && it->second > now) return false;
  // Bounded like the rest: past the bound, expired keys go first; if none has, the value is
  // refused (fail closed: forgetting a used one would allow its replay).
  if (it == used_.end() && used_.size() >= max_) {
    std::erase_if(used_, [&](auto& kv) { return kv.second <= now; });
    if (used_.size() >= max_) return false;
  }
  used_[key] = expires_at;
  return true;
}

void MemoryLoginStateStore::expire(Seconds now) {
  std::lock_guard lock(mu_);
  std::erase_if(used_, [&](auto& kv) { return kv.second <= now; });
  std::erase_if(sessions_, [&](auto& kv) { return kv.second.expires_at <= now; });
  std::erase_if(pending_, [&](auto& kv) { return kv.second.expires_at <= now; });
}

}  // namespace mcpgate::authserver
