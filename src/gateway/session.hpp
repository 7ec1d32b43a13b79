#pragma once
// Legacy-era sessions (Mcp-Session-Id): one per initialized client, each with its own upstream
// sessions. A session id names state; it never authenticates anyone.
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/upstream.hpp"

namespace mcpgate::gateway {

struct FrontSession {
  std::string id;
  std::string protocol_version;
  std::vector<std::shared_ptr<UpstreamSession>> upstreams;  // indexed like the endpoint's upstreams
  std::atomic<std::int64_t> last_used_ms{0};
  std::mutex mutex;                 // guards listener
  std::shared_ptr<Inbox> listener;  // the GET stream, if one is open

  void close() {
    for (auto& u : upstreams) u->close();
    std::lock_guard lock(mutex);
    if (listener) listener->close("session ended");
  }
};

// Sharded so that session lookups on different threads rarely meet on one lock.
class SessionStore {
 public:
  explicit SessionStore(std::size_t max_sessions) : max_(max_sessions) {}
  bool insert(std::shared_ptr<FrontSession> s);
  std::shared_ptr<FrontSession> find(const std::string& id);
  std::shared_ptr<FrontSession> erase(const std::string& id);
  // Sessions idle since before `cutoff_ms`, removed from the store.
  std::vector<std::shared_ptr<FrontSession>> take_idle(std::int64_t cutoff_ms);
  std::vector<std::shared_ptr<FrontSession>> take_all();
  std::size_t size() const { return count_.load(); }

 private:
  static constexpr std::size_t kShards = 32;
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<FrontSession>> map;
  };
  Shard& shard(const std::string& id) { return shards_[std::hash<std::string>{}(id) % kShards]; }
  std::array<Shard, kShards> shards_;
  std::size_t max_;
  std::atomic<std::size_t> count_{0};
};

}  // namespace mcpgate::gateway
