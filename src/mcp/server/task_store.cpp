#include "mcp/server/task_store.hpp"

#include <cstdio>
#include <ctime>
#include <vector>

namespace mcpgate::mcp::server {

std::string_view to_string(TaskStatus status) {
  switch (status) {
    case TaskStatus::working:
      return "working";
    case TaskStatus::input_required:
      return "input_required";
    case TaskStatus::completed:
      return "completed";
    case TaskStatus::failed:
      return "failed";
    case TaskStatus::cancelled:
      return "cancelled";
  }
  return "working";
}

bool is_terminal(TaskStatus status) {
  return status == TaskStatus::completed || status == TaskStatus::failed || status == TaskStatus::cancelled;
}

std::string iso8601(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

TaskStore::TaskStore(std::size_t max_tasks, std::chrono::milliseconds ttl, const Clock& clock, Random& random)
    : max_tasks_(max_tasks), ttl_(ttl), clock_(clock), random_(random) {}

void TaskStore::evict_locked(std::chrono::system_clock::time_point now) {
  // Expired tasks go first; one still running is cancelled so its coroutine stops too.
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    if (it->second->expires_at <= now) {
      auto& t = *it->second;
      if (!is_terminal(t.status)) {
        t.status = TaskStatus::cancelled;
        if (t.wake) t.wake();
      }
      it = tasks_.erase(it);
    } else {
      ++it;
    }
  }
  // Then, while full, the finished task that was created first. Unfinished tasks are never
  // evicted: their clients are still entitled to the result.
  while (tasks_.size() >= max_tasks_) {
    auto oldest = tasks_.end();
    for (auto it = tasks_.begin(); it != tasks_.end(); ++it)
      if (is_terminal(it->second->status) &&
          (oldest == tasks_.end() || it->second->created_at < oldest->second->created_at))
        oldest = it;
    if (oldest == tasks_.end()) return;
    tasks_.erase(oldest);
  }
}

std::shared_ptr<TaskRecord> TaskStore::create(std::string owner, std::string tool) {
  auto now = clock_.now();
  auto task = std::make_shared<TaskRecord>();
  // 128 bits from the CSPRNG: a task id cannot be guessed (it names another principal's work).
  task->id = random_.token(16);
  task->owner = std::move(owner);
  task->tool = std::move(tool);
  task->created_at = task->last_updated_at = now;
  task->expires_at = now + ttl_;
  std::lock_guard lock(mu_);
  // Closed: a task started now would keep the closing transport's io_context running.
  if (closed_) return nullptr;
  evict_locked(now);
  if (tasks_.size() >= max_tasks_) return nullptr;
  tasks_.emplace(task->id, task);
  return task;
}

std::shared_ptr<TaskRecord> TaskStore::find(std::string_view id, std::string_view owner) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end() || it->second->expires_at <= clock_.now() || it->second->owner != owner) return nullptr;
  return it->second;
}

json::object TaskStore::describe(const TaskRecord& t, std::chrono::milliseconds poll_interval) {
  std::lock_guard lock(mu_);
  json::object o{{"taskId", t.id},
                 {"status", to_string(t.status)},
                 {"createdAt", iso8601(t.created_at)},
                 {"lastUpdatedAt", iso8601(t.last_updated_at)},
                 {"ttlMs", static_cast<std::int64_t>(ttl_.count())}};
  if (!is_terminal(t.status)) o["pollIntervalMs"] = static_cast<std::int64_t>(poll_interval.count());
  if (!t.status_message.empty()) o["statusMessage"] = t.status_message;
  if (t.status == TaskStatus::completed) o["result"] = t.result;
  if (t.status == TaskStatus::failed && t.error) {
    json::object e{{"code", t.error->code}, {"message", t.error->message}};
    if (t.error->data) e["data"] = *t.error->data;
    o["error"] = std::move(e);
  }
  if (t.status == TaskStatus::input_required) o["inputRequests"] = t.pending_inputs;
  return o;
}

void TaskStore::touch_locked(TaskRecord& task) {
  task.last_updated_at = clock_.now();
}

bool TaskStore::complete(TaskRecord& task, json::object result) {
  std::lock_guard lock(mu_);
  if (is_terminal(task.status)) return false;
  task.status = TaskStatus::completed;
  task.result = std::move(result);
  task.pending_inputs.clear();
  touch_locked(task);
  return true;
}

bool TaskStore::fail(TaskRecord& task, RpcError error) {
  std::lock_guard lock(mu_);
  if (is_terminal(task.status)) return false;
  task.status = TaskStatus::failed;
  task.status_message = error.message;
  task.error = std::move(error);
  task.pending_inputs.clear();
  touch_locked(task);
  return true;
}

bool TaskStore::cancel(TaskRecord& task, std::string_view message) {
  std::lock_guard lock(mu_);
  if (is_terminal(task.status)) return false;
  task.status = TaskStatus::cancelled;
  task.status_message = message;
  task.pending_inputs.clear();
  touch_locked(task);
  if (task.wake) task.wake();
  return true;
}

void TaskStore::set_wake(TaskRecord& task, std::function<void()> wake) {
  std::lock_guard lock(mu_);
  task.wake = std::move(wake);
}

bool TaskStore::need_input(TaskRecord& task, json::object requests) {
  std::lock_guard lock(mu_);
  if (is_terminal(task.status)) return false;
  task.status = TaskStatus::input_required;
  task.pending_inputs = std::move(requests);
  task.answers.clear();
  touch_locked(task);
  return true;
}

void TaskStore::answer(TaskRecord& task, const json::object& responses) {
  std::lock_guard lock(mu_);
  if (task.status != TaskStatus::input_required) return;
  bool changed = false;
  for (auto& [key, value] : responses) {
    if (!task.pending_inputs.contains(key)) continue;  // unknown or already answered
    task.answers[key] = value;
    task.pending_inputs.erase(key);
    changed = true;
  }
  if (!changed) return;
  touch_locked(task);
  if (!task.pending_inputs.empty()) return;
  task.status = TaskStatus::working;
  if (task.wake) task.wake();
}

std::optional<TaskStore::Resumption> TaskStore::take_answers(TaskRecord& task) {
  std::lock_guard lock(mu_);
  if (task.status == TaskStatus::cancelled) return Resumption{true, {}};
  if (task.status != TaskStatus::working) return std::nullopt;
  Resumption r{false, std::move(task.answers)};
  task.answers = {};
  return r;
}

bool TaskStore::is_cancelled(const TaskRecord& task) {
  std::lock_guard lock(mu_);
  return task.status == TaskStatus::cancelled;
}

void TaskStore::close(std::string_view message) {
  std::vector<std::shared_ptr<TaskRecord>> all;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [id, t] : tasks_) all.push_back(t);
  }
  for (auto& t : all) cancel(*t, message);
}

void TaskStore::open() {
  std::lock_guard lock(mu_);
  closed_ = false;
}

std::size_t TaskStore::size() {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

}  // namespace mcpgate::mcp::server
