#pragma once
// Tokens the gateway obtained for upstreams, reused until shortly before they expire. Keyed by
// what the token was asked for (a hash of the subject token, the audience and the scopes), so that
// one client token's calls share one exchange and nothing is ever served to another subject.
// Bounded; expired entries go first, then the one expiring soonest. Time is passed in.
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/secret.hpp"

namespace mcpgate::exchange {

class TokenCache {
 public:
  using time_point = std::chrono::system_clock::time_point;
  explicit TokenCache(std::size_t max_entries = 10'000) : max_(max_entries ? max_entries : 1) {}

  std::optional<Secret> get(const std::string& key, time_point now);
  // The entry with the time it stops being served (what `put` was given).
  std::optional<std::pair<Secret, time_point>> find(const std::string& key, time_point now);
  void put(const std::string& key, Secret value, time_point expires, time_point now);
  void erase(const std::string& key);
  std::size_t size() const;

 private:
  struct Entry {
    Secret value;
    time_point expires;
    std::multimap<time_point, std::string>::iterator by_expiry;
  };
  void erase_locked(std::unordered_map<std::string, Entry>::iterator it);
  std::size_t max_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::multimap<time_point, std::string> by_expiry_;
};

}  // namespace mcpgate::exchange
