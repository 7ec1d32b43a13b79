#pragma once
// The tasks (2026-07-28 extension io.modelcontextprotocol/tasks, SEP-2663) that upstreams created
// through this gateway, each bound to the principal whose tools/call created it, the upstream that
// holds it and the tool it runs. An upstream behind the gateway sees one identity (the gateway's,
// and one shared session for every stateless client), so it cannot bind a task to the person who
// started it; the gateway must: a task id is reached only by its owner, a foreign or unknown id is
// answered like a missing one (nothing forwarded, nothing learned), and tasks/get, tasks/update
// and tasks/cancel are judged as a tools/call of the task's tool (the extension's security
// considerations: "bind taskId to the authenticated principal").
//
// Bounded: at most `max_tasks` entries and `max_per_owner` per principal; past either, the entry
// that expires first is forgotten (its owner then gets "Unknown task", as after the upstream's own
// expiry). Each entry lives as long as the task's `ttlMs` says, capped by `max_ttl`. Time is passed
// in (steady clock), so tests drive it without sleeping.
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mcpgate::gateway {

class TaskRegistry {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  struct Task {
    std::string owner;  // Caller::key()
    std::size_t upstream = 0;
    std::string tool;  // the canonical name judged for the tools/call, without the upstream's prefix
  };

  TaskRegistry(std::size_t max_tasks, std::size_t max_per_owner, std::chrono::milliseconds max_ttl);

  // A CreateTaskResult came back for `task`'s tools/call. `ttl` is the task's ttlMs (nullopt when
  // the upstream sent none: max_ttl). Recording an id again replaces the entry only for its owner;
  // an id already held by another principal is left alone (false): an upstream that reuses ids
  // must not hand one principal's task to another.
  bool record(std::string id, Task task, std::optional<std::chrono::milliseconds> ttl, time_point now);

  // The task `id` if `owner` created it and it has not expired; nullopt otherwise (unknown,
  // foreign and expired are the same answer).
  std::optional<Task> find(std::string_view id, std::string_view owner, time_point now);

  std::size_t size() const;

 private:
  struct Entry {
    Task task;
    time_point expires;
    std::multimap<time_point, std::string>::iterator by_expiry;
  };
  void erase(std::unordered_map<std::string, Entry>::iterator it);
  void evict_expired(time_point now);
  void evict_first_of(std::string_view owner);  // the owner's entry that expires first

  const std::size_t max_tasks_;
  const std::size_t max_per_owner_;
  const std::chrono::milliseconds max_ttl_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> tasks_;
  std::multimap<time_point, std::string> by_expiry_;
  std::unordered_map<std::string, std::size_t> per_owner_;
};

}  // namespace mcpgate::gateway
