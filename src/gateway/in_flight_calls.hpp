#pragma once
// The calls of one endpoint waiting for an upstream's reply, so that a drain that reaches its
// grace deadline can answer each of them with an error instead of dropping its connection.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "gateway/inbox.hpp"
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

  // `id`: the JSON-RPC id the waiting coroutine matches the reply by.
  Ticket track(const std::shared_ptr<Inbox>& inbox, json::value id) {
    std::lock_guard lock(mutex_);
    auto key = next_++;
    calls_.emplace(key, Entry{inbox, std::move(id)});
    return Ticket(*this, key);
  }

  // Answers every call still waiting with the gateway's error (data.reason names why); returns
  // how many were answered so.
  std::size_t cut(std::string_view message, std::string_view reason) {
    std::unordered_map<std::uint64_t, Entry> calls;
    {
      std::lock_guard lock(mutex_);
      calls = calls_;
    }
    std::size_t n = 0;
    for (auto& [key, e] : calls) {
      auto inbox = e.inbox.lock();
      if (!inbox) continue;
      auto error = mcp::make_error(e.id, mcp::code::upstream_unavailable, message,
                                   json::value(json::object{{"reason", reason}}));
      if (inbox->push_failure(std::move(error), UpstreamFailure::unreachable)) ++n;
    }
    return n;
  }

 private:
  struct Entry {
    std::weak_ptr<Inbox> inbox;
    json::value id;
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
