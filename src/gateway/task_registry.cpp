#include "gateway/task_registry.hpp"

#include <algorithm>

namespace mcpgate::gateway {

TaskRegistry::TaskRegistry(std::size_t max_tasks, std::size_t max_per_owner, std::chrono::milliseconds max_ttl)
    : max_tasks_(std::max<std::size_t>(max_tasks, 1)),
      max_per_owner_(std::max<std::size_t>(max_per_owner, 1)),
      max_ttl_(max_ttl) {}

void TaskRegistry::erase(std::unordered_map<std::string, Entry>::iterator it) {
  auto owner = per_owner_.find(it->second.task.owner);
  if (owner != per_owner_.end() && --owner->second == 0) per_owner_.erase(owner);
  by_expiry_.erase(it->second.by_expiry);
  tasks_.erase(it);
}

void TaskRegistry::evict_expired(time_point now) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) erase(tasks_.find(by_expiry_.begin()->second));
}

void TaskRegistry::evict_first_of(std::string_view owner) {
  // Linear in the entries, but only when one principal is at its cap; the common path never runs it.
  for (auto it = by_expiry_.begin(); it != by_expiry_.end(); ++it) {
    auto task = tasks_.find(it->second);
    if (task->second.task.owner == owner) {
      erase(task);
      return;
    }
  }
}

bool TaskRegistry::record(std::string id, Task task, std::optional<std::chrono::milliseconds> ttl, time_point now) {
  auto life = ttl ? std::clamp(*ttl, std::chrono::milliseconds(0), max_ttl_) : max_ttl_;
  std::lock_guard lock(mutex_);
  evict_expired(now);
  if (auto it = tasks_.find(id); it != tasks_.end()) {
    if (it->second.task.owner != task.owner) return false;
    erase(it);
  }
  if (per_owner_[task.owner] >= max_per_owner_) evict_first_of(task.owner);
  if (tasks_.size() >= max_tasks_) erase(tasks_.find(by_expiry_.begin()->second));
  auto expires = now + life;
  auto by_expiry = by_expiry_.emplace(expires, id);
  ++per_owner_[task.owner];
  tasks_.emplace(std::move(id), Entry{std::move(task), expires, by_expiry});
  return true;
}

std::optional<TaskRegistry::Task> TaskRegistry::find(std::string_view id, std::string_view owner, time_point now) {
  std::lock_guard lock(mutex_);
  auto it = tasks_.find(std::string(id));
  if (it == tasks_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    erase(it);
    return std::nullopt;
  }
  if (it->second.task.owner != owner) return std::nullopt;
  return it->second.task;
}

std::size_t TaskRegistry::size() const {
  std::lock_guard lock(mutex_);
  return tasks_.size();
}

}  // namespace mcpgate::gateway
