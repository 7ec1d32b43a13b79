#pragma once
// The tasks a server keeps (extension io.modelcontextprotocol/tasks): their status, and their
// result, error or pending input requests. Bounded in number and in time; each task belongs to
// the principal that created it.
#include <boost/json/object.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "mcpgate/server.hpp"

namespace mcpgate::mcp::server {

enum class TaskStatus { working, input_required, completed, failed, cancelled };
std::string_view to_string(TaskStatus status);
bool is_terminal(TaskStatus status);

// RFC 3339 UTC with milliseconds, e.g. 2026-07-28T12:00:00.000Z.
std::string iso8601(std::chrono::system_clock::time_point t);

// One task. Its mutable fields are guarded by the store's mutex: read and change them only
// through TaskStore.
struct TaskRecord {
  std::string id;
  std::string owner;
  std::string tool;
  std::chrono::system_clock::time_point created_at;
  std::chrono::system_clock::time_point last_updated_at;
  std::chrono::system_clock::time_point expires_at;

  TaskStatus status = TaskStatus::working;
  std::string status_message;
  json::object result;            // completed
  std::optional<RpcError> error;  // failed
  json::object pending_inputs;    // input_required: key → {method, params}
  json::object answers;           // input responses received for the current round
  // Wakes the task's coroutine (an input arrived, or the task was cancelled). Called under the
  // store's mutex, so it must only post; set and cleared through TaskStore::set_wake, so that
  // nothing is posted to a coroutine that has ended.
  std::function<void()> wake;
};

class TaskStore {
 public:
  TaskStore(std::size_t max_tasks, std::chrono::milliseconds ttl, const Clock& clock, Random& random);

  // A new working task, or nullopt when the store is full of unfinished tasks (finished ones and
  // expired ones are evicted first, oldest first).
  std::shared_ptr<TaskRecord> create(std::string owner, std::string tool);
  // The task, when it exists, has not expired and belongs to `owner`. A task of another principal
  // is indistinguishable from an unknown one, so ids cannot be probed.
  std::shared_ptr<TaskRecord> find(std::string_view id, std::string_view owner);

  // The tasks/get view of a task (DetailedTask): its metadata and, by status, result, error or
  // the input requests still unanswered.
  json::object describe(const TaskRecord& task, std::chrono::milliseconds poll_interval);

  // Transitions. A terminal task never changes again (cancellation is sticky), so a result that
  // arrives after tasks/cancel is dropped; each returns false when the transition did not apply.
  bool complete(TaskRecord& task, json::object result);
  bool fail(TaskRecord& task, RpcError error);
  bool cancel(TaskRecord& task, std::string_view message);
  // Parks the task until every key of `requests` is answered.
  bool need_input(TaskRecord& task, json::object requests);
  // Records answers to pending keys (others are ignored). When nothing is pending any more the
  // task is working again and its coroutine is woken to take the answers.
  void answer(TaskRecord& task, const json::object& responses);
  struct Resumption {
    bool cancelled = false;
    json::object answers;
  };
  // For the parked coroutine: nullopt while input is still pending.
  std::optional<Resumption> take_answers(TaskRecord& task);
  bool is_cancelled(const TaskRecord& task);
  void set_wake(TaskRecord& task, std::function<void()> wake);
  std::chrono::system_clock::time_point now() const { return clock_.now(); }
  // The transport is going away: ends every unfinished task, and refuses new ones until open().
  void close(std::string_view message);
  void open();

  std::size_t size();
  std::chrono::milliseconds ttl() const { return ttl_; }

 private:
  void evict_locked(std::chrono::system_clock::time_point now);
  void touch_locked(TaskRecord& task);

  std::size_t max_tasks_;
  std::chrono::milliseconds ttl_;
  const Clock& clock_;
  Random& random_;
  std::mutex mu_;
  bool closed_ = false;
  std::map<std::string, std::shared_ptr<TaskRecord>, std::less<>> tasks_;
};

}  // namespace mcpgate::mcp::server
