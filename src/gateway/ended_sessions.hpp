#pragma once
// Sealed session ids that ended on this replica (DELETE, idle, the upstream ended it): without
// this list such an id would open again here, since it is no longer held in memory, and a
// terminated session must be answered 404 (2025-11-25 transports, "Session Management"). Each id is
// remembered until it would have expired anyway. Bounded: past the bound, the entry that expires
// first is forgotten.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mcpgate::gateway {

class EndedSessions {
 public:
  explicit EndedSessions(std::size_t max_entries) : max_(max_entries) {}
  // `expires`: unix seconds after which the id would not open anyway.
  void add(std::string_view id, std::int64_t expires, std::int64_t now);
  bool contains(std::string_view id, std::int64_t now);
  std::size_t size() const;

 private:
  void forget_expired(std::int64_t now);
  std::size_t max_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> by_id_;  // a hash of the id → expires
  std::multimap<std::int64_t, std::string> by_expiry_;
};

}  // namespace mcpgate::gateway
