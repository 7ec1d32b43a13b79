#include "gateway/session.hpp"

namespace mcpgate::gateway {

bool SessionStore::insert(std::shared_ptr<FrontSession> s) {
  if (count_.fetch_add(1) >= max_) {
    --count_;
    return false;
  }
  auto& sh = shard(s->id);
  std::lock_guard lock(sh.mutex);
  // An id already in use keeps its session; the place reserved above is given back.
  if (!sh.map.emplace(s->id, s).second) {
    --count_;
    return false;
  }
  return true;
}

std::shared_ptr<FrontSession> SessionStore::find(const std::string& id) {
  auto& sh = shard(id);
  std::lock_guard lock(sh.mutex);
  auto it = sh.map.find(id);
  return it == sh.map.end() ? nullptr : it->second;
}

std::shared_ptr<FrontSession> SessionStore::erase(const std::string& id) {
  auto& sh = shard(id);
  std::lock_guard lock(sh.mutex);
  auto it = sh.map.find(id);
  if (it == sh.map.end()) return nullptr;
  auto s = std::move(it->second);
  sh.map.erase(it);
  --count_;
  return s;
}

bool SessionStore::rekey(const std::string& from, const std::string& to) {
  auto s = erase(from);
  if (!s) return false;
  s->id = to;
  if (insert(s)) return true;
  s->id = from;
  insert(s);  // the place it just gave back
  return false;
}

std::vector<std::shared_ptr<FrontSession>> SessionStore::take_idle(std::int64_t cutoff_ms) {
  std::vector<std::shared_ptr<FrontSession>> out;
  for (auto& sh : shards_) {
    std::lock_guard lock(sh.mutex);
    for (auto it = sh.map.begin(); it != sh.map.end();) {
      if (it->second->last_used_ms.load() < cutoff_ms) {
        out.push_back(std::move(it->second));
        it = sh.map.erase(it);
        --count_;
      } else {
        ++it;
      }
    }
  }
  return out;
}

std::vector<std::shared_ptr<FrontSession>> SessionStore::take_all() {
  return take_idle(INT64_MAX);
}

std::vector<std::shared_ptr<FrontSession>> SessionStore::snapshot() {
  std::vector<std::shared_ptr<FrontSession>> out;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (auto& [id, s] : shard.map) out.push_back(s);
  }
  return out;
}

}  // namespace mcpgate::gateway
