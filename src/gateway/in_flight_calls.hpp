#pragma once
// The calls of one endpoint waiting for an upstream's reply, so that a drain that reaches its
// grace deadline can answer each of them with an error instead of dropping its connection.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/inbox.hpp"
#include "gateway/upstream.hpp"
#include "mcp/jsonrpc.hpp"

namespace mcpgate::gateway {

class InFlightCalls {
 public:
  // Removes its call from the list when the call ends, however it ends.
  class Ticket {
   public:
    Ticket(InFlightCalls& calls, std::uint64_t key) : calls_(&calls), key_(key) {}
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket() { calls_->remove(key_); }

   private:
    InFlightCalls* calls_;
    std::uint64_t key_;
  };

  // `id`: the JSON-RPC id the waiting coroutine matches the reply by; `upstream`: where the
  // call went (told to abandon it when it is cut); `session`: the client's session, if it has one
  // (its calls are the ones its cancellations may name).
  Ticket track(const std::shared_ptr<Inbox>& inbox, json::value id, const std::shared_ptr<UpstreamSession>& upstream,
               const void* session = nullptr) {
    std::lock_guard lock(mutex_);
    auto key = next_++;
    calls_.emplace(key, Entry{inbox, std::move(id), upstream, session});
    return Ticket(*this, key);
  }

  // The calls of `session` that the client knows as `id` and that still wait: one per upstream the
  // request went to. Ids are unique within a session, not across sessions. A scan: cancellations
  // are rare, calls are not.
  struct Found {
    std::shared_ptr<Inbox> inbox;
    std::shared_ptr<UpstreamSession> upstream;
  };
  std::vector<Found> find(const void* session, const json::value& id) {
    std::vector<Found> found;
    if (!session) return found;
    auto key = mcp::id_key(id);
    std::lock_guard lock(mutex_);
    for (auto& [n, e] : calls_) {
      if (e.session != session || mcp::id_key(e.id) != key) continue;
      Found f{e.inbox.lock(), e.upstream.lock()};
      if (f.inbox && f.upstream) found.push_back(std::move(f));
    }
    return found;
  }

  // Answers every call still waiting with the gateway's error (data.reason names why); returns
  // how many were answered so.
  static constexpr std::string_view kCutMessage =
      "The gateway is shutting down: the call was still running at the end of the drain grace period; it was sent "
      "upstream and may have taken effect";
  static constexpr std::string_view kCutReason = "shutting_down";
  static json::object cut_error(const json::value& id) {
    return mcp::make_error(id, mcp::code::upstream_unavailable, kCutMessage,
                           json::value(json::object{{"reason", kCutReason}}));
  }

  std::size_t cut() {
    std::unordered_map<std::uint64_t, Entry> calls;
    {
      std::lock_guard lock(mutex_);
      calls = calls_;
    }
    std::size_t n = 0;
    for (auto& [key, e] : calls) {
      auto inbox = e.inbox.lock();
      if (!inbox) continue;
      auto error = cut_error(e.id);
      if (!inbox->fail_and_close(std::move(error), UpstreamFailure::unreachable, "cut at the drain deadline")) continue;
      ++n;
      // An HTTP upstream's exchange runs in the waiting coroutine itself: aborting it is what
      // lets that coroutine go on to the error. A stdio upstream is told the call is cancelled.
      if (auto up = e.upstream.lock()) up->abandon(*inbox);
    }
    return n;
  }

 private:
  struct Entry {
    std::weak_ptr<Inbox> inbox;
    json::value id;
    std::weak_ptr<UpstreamSession> upstream;
    const void* session = nullptr;  // compared, never followed
  };
  void remove(std::uint64_t key) {
    std::lock_guard lock(mutex_);
    calls_.erase(key);
  }
  std::mutex mutex_;
  std::unordered_map<std::uint64_t, Entry> calls_;
  std::uint64_t next_ = 0;
};

}  // namespace mcpgate::gateway
