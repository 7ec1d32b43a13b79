#pragma once
// Legacy-era sessions (Mcp-Session-Id): one per initialized client, each with its own upstream
// sessions. A session id names state; it never authenticates anyone.
#include <array>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/upstream.hpp"

namespace mcpgate::gateway {

// The events of one POST's SSE stream, kept so that a client that lost the connection can
// resume it with GET + Last-Event-ID (2025-11-25 transports, "Resumability and Redelivery").
struct ResumableStream {
  std::mutex mutex;
  std::deque<std::pair<std::uint64_t, json::object>> events;  // (sequence, message), bounded
  bool done = false;
  std::chrono::steady_clock::time_point done_at{};
  std::shared_ptr<Inbox> follower;  // a GET that resumed this stream and waits for more
  static constexpr std::size_t kMaxEvents = 1000;

  void record(std::uint64_t seq, const json::object& m, bool final) {
    std::lock_guard lock(mutex);
    events.emplace_back(seq, m);
    if (events.size() > kMaxEvents) events.pop_front();
    if (final) {
      done = true;
      done_at = std::chrono::steady_clock::now();
    }
    if (follower) {
      json::object wrapped;
      wrapped["seq"] = seq;
      wrapped["message"] = m;
      follower->push(std::move(wrapped));
      if (final) follower->close("stream complete");
    }
  }
};

struct FrontSession {
  std::string id;
  // Who opened it (issuer, subject, client). Presented with anyone else's token, the session
  // does not exist: a session id never authenticates and is never a capability.
  std::string owner;
  std::string protocol_version;
  // Unix seconds after which the sealed id is unknown on every replica (0: not sealed, only here).
  std::int64_t expires = 0;
  std::vector<std::shared_ptr<UpstreamSession>> upstreams;  // indexed like the endpoint's upstreams
  std::atomic<std::int64_t> last_used_ms{0};
  std::mutex mutex;                                                           // guards listener
  std::shared_ptr<Inbox> listener;                                            // the GET stream, if one is open
  std::unordered_map<std::string, std::shared_ptr<ResumableStream>> streams;  // guarded by mutex
  // The owner's place in its per-principal session quota, given back when the session ends.
  std::shared_ptr<void> quota_slot;  // guarded by mutex

  std::shared_ptr<ResumableStream> open_stream(const std::string& stream_id) {
    auto s = std::make_shared<ResumableStream>();
    std::lock_guard lock(mutex);
    // Completed streams are kept a minute for late resumption, then dropped.
    auto cutoff = std::chrono::steady_clock::now() - std::chrono::seconds(60);
    for (auto it = streams.begin(); it != streams.end();) {
      bool expired;
      {
        std::lock_guard l2(it->second->mutex);
        expired = it->second->done && it->second->done_at < cutoff;
      }
      it = expired ? streams.erase(it) : std::next(it);
    }
    if (streams.size() < 256) streams[stream_id] = s;
    return s;
  }
  std::shared_ptr<ResumableStream> find_stream(const std::string& stream_id) {
    std::lock_guard lock(mutex);
    auto it = streams.find(stream_id);
    return it == streams.end() ? nullptr : it->second;
  }

  // `hand_over`: the session goes on at another replica (its id is sealed under a shared key), so
  // its HTTP upstream sessions are left open rather than ended with DELETE.
  void close(bool hand_over = false) {
    for (auto& u : upstreams) hand_over ? u->release() : u->close();
    std::lock_guard lock(mutex);
    if (listener) listener->close("session ended");
    quota_slot.reset();
  }
};

// Sharded so that session lookups on different threads rarely meet on one lock.
class SessionStore {
 public:
  explicit SessionStore(std::size_t max_sessions) : max_(max_sessions) {}
  bool insert(std::shared_ptr<FrontSession> s);
  std::shared_ptr<FrontSession> find(const std::string& id);
  std::shared_ptr<FrontSession> erase(const std::string& id);
  // The session's provisional id replaced by its sealed one (known once the upstreams answered
  // initialize); false if `to` is taken.
  bool rekey(const std::string& from, const std::string& to);
  // Sessions idle since before `cutoff_ms`, removed from the store.
  std::vector<std::shared_ptr<FrontSession>> take_idle(std::int64_t cutoff_ms);
  std::vector<std::shared_ptr<FrontSession>> take_all();
  // Every session, left in the store (a drain ends their streams, not the sessions).
  std::vector<std::shared_ptr<FrontSession>> snapshot();
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
