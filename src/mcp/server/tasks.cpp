#include "mcp/server/tasks.hpp"

#include "mcp/server/server_impl.hpp"

namespace mcpgate::mcp::server {

namespace asio = net::asio;

bool declares_tasks(const json::object& client_capabilities) {
  auto* ext = client_capabilities.if_contains("extensions");
  if (!ext || !ext->is_object()) return false;
  auto* t = ext->get_object().if_contains(kTasksExtension);
  return t && t->is_object();
}

RpcError tasks_extension_required() {
  return missing_capability_error(json::object{{"extensions", json::object{{kTasksExtension, json::object{}}}}});
}

namespace {

// The context of a handler running in a task. Nothing streams back to the client while it runs
// (there is no request left to stream on): the client polls tasks/get instead.
class TaskContext final : public RequestContext {
 public:
  TaskContext(McpServer::Impl& server, std::shared_ptr<TaskRecord> task, const TaskLaunch& launch,
              asio::steady_timer& wakeup)
      : server_(server), task_(std::move(task)), launch_(launch), wakeup_(wakeup) {}

  ProtocolEra era() const override { return ProtocolEra::modern; }
  std::string_view protocol_version() const override { return launch_.protocol_version; }
  const json::object& client_capabilities() const override { return launch_.client_capabilities; }
  const json::object& meta() const override { return launch_.meta; }
  const json::object* input_responses() const override { return inputs_ ? &*inputs_ : nullptr; }
  const json::value* state() const override { return state_ ? &*state_ : nullptr; }
  void set_inputs(std::optional<json::object> inputs, std::optional<json::value> state) {
    inputs_ = std::move(inputs);
    state_ = std::move(state);
  }

  bool should_log(LogLevel) const override { return false; }
  Task<bool> log(LogLevel, json::value, std::string_view) override { co_return true; }
  Task<bool> progress(double, std::optional<double>, std::string_view) override { co_return true; }

  Task<std::expected<json::value, RpcError>> request(std::string_view, json::object) override {
    co_return std::unexpected(
        RpcError{code::method_not_found, "a task asks for input with an input-required result", std::nullopt});
  }

  // Waits on the task's own timer, so that tasks/cancel (which cancels that timer) ends it early.
  Task<void> sleep(std::chrono::milliseconds duration) override {
    auto deadline = std::chrono::steady_clock::now() + duration;
    while (!cancelled() && std::chrono::steady_clock::now() < deadline) {
      wakeup_.expires_at(deadline);
      co_await wakeup_.async_wait(net::as_tuple_awaitable);
    }
  }

  bool cancelled() const override { return server_.tasks.is_cancelled(*task_); }

 private:
  McpServer::Impl& server_;
  std::shared_ptr<TaskRecord> task_;
  const TaskLaunch& launch_;
  asio::steady_timer& wakeup_;
  std::optional<json::object> inputs_;
  std::optional<json::value> state_;
};

// Parks until every pending input is answered, the task is cancelled, or it expires. The answers,
// or nullopt when the task is over.
net::awaitable<std::optional<json::object>> await_answers(McpServer::Impl& server, TaskRecord& task,
                                                          asio::steady_timer& wakeup) {
  auto& store = server.tasks;
  for (;;) {
    if (auto r = store.take_answers(task)) {
      if (r->cancelled) co_return std::nullopt;
      co_return std::move(r->answers);
    }
    auto left = task.expires_at - store.now();
    if (left <= std::chrono::system_clock::duration::zero()) {
      store.cancel(task, "no input before the task expired");
      co_return std::nullopt;
    }
    wakeup.expires_after(left);
    co_await wakeup.async_wait(net::as_tuple_awaitable);
  }
}

// Clears the task's wake-up when the coroutine frame goes, however it goes (finished, or
// destroyed with its io_context): a later tasks/cancel must not post to a dead strand.
class WakeRegistration {
 public:
  WakeRegistration(TaskStore& store, TaskRecord& task, const std::shared_ptr<asio::steady_timer>& timer)
      : store_(store), task_(task) {
    // Only the task's strand may touch its timer: the wake posts there. The posted handler shares
    // the timer, since it may run after the coroutine is gone.
    store_.set_wake(task_, [timer] { asio::post(timer->get_executor(), [timer] { timer->cancel(); }); });
  }
  ~WakeRegistration() { store_.set_wake(task_, nullptr); }
  WakeRegistration(const WakeRegistration&) = delete;
  WakeRegistration& operator=(const WakeRegistration&) = delete;

 private:
  TaskStore& store_;
  TaskRecord& task_;
};

net::awaitable<void> run(McpServer::Impl& server, std::shared_ptr<TaskRecord> task, TaskLaunch launch) {
  auto& store = server.tasks;
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  auto& wakeup = *timer;
  // A wake that finds no wait in progress is harmless: every wait first checks what it waits for.
  WakeRegistration registration(store, *task, timer);
  TaskContext ctx(server, task, launch, wakeup);
  ctx.set_inputs(std::move(launch.input_responses), std::move(launch.state));
  for (int round = 0;; ++round) {
    if (store.is_cancelled(*task)) co_return;
    Reply reply;
    try {
      reply = co_await launch.tool->handler(launch.arguments, ctx);
    } catch (const std::exception&) {
      // A handler bug fails its own task only (a protocol-level failure, not a tool error).
      store.fail(*task, RpcError{code::internal_error, "tool handler failed", std::nullopt});
      co_return;
    }
    if (auto* e = std::get_if<RpcError>(&reply)) {
      store.fail(*task, std::move(*e));
      co_return;
    }
    if (auto* o = std::get_if<json::object>(&reply)) {
      if (!o->contains("content")) (*o)["content"] = json::array{};
      store.complete(*task, std::move(*o));
      co_return;
    }
    auto& ir = std::get<InputRequired>(reply);
    json::object missing;
    bool malformed = ir.input_requests.empty();
    for (auto& [k, req] : ir.input_requests) {
      auto* m = req.is_object() ? req.get_object().if_contains("method") : nullptr;
      if (!m || !m->is_string()) {
        malformed = true;
        continue;
      }
      if (auto cap = capability_for(m->get_string()); !cap.empty() && !ctx.client_supports(cap))
        missing[cap] = json::object{};
    }
    if (malformed) {
      store.fail(*task, RpcError{code::internal_error, "malformed input request", std::nullopt});
      co_return;
    }
    // Never ask a client for what it did not declare it can give.
    if (!missing.empty()) {
      store.fail(*task, missing_capability_error(std::move(missing)));
      co_return;
    }
    if (round + 1 >= server.options.max_input_rounds) {
      store.fail(*task, RpcError{code::internal_error, "too many input rounds", std::nullopt});
      co_return;
    }
    // The state stays here: a task's wire shape has no requestState (SEP-2663).
    if (!store.need_input(*task, std::move(ir.input_requests))) co_return;
    auto answers = co_await await_answers(server, *task, wakeup);
    if (!answers) co_return;
    ctx.set_inputs(std::move(*answers), std::move(ir.state));
  }
}

std::string_view task_id(const json::object& params) {
  auto* v = params.if_contains("taskId");
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

}  // namespace

}  // namespace mcpgate::mcp::server

namespace mcpgate::mcp::server::tasks {

std::expected<json::object, RpcError> start(McpServer::Impl& server, net::asio::any_io_executor executor,
                                            TaskLaunch launch) {
  auto task = server.tasks.create(launch.owner, launch.tool->name);
  if (!task)
    return std::unexpected(RpcError{code::overloaded, "too many unfinished tasks; try again later", std::nullopt});
  // The CreateTaskResult is the task's metadata only, flat (no `task` wrapper, no result).
  json::object created = server.tasks.describe(*task, server.options.task_poll_interval);
  created["resultType"] = "task";
  asio::co_spawn(asio::make_strand(executor), run(server, task, std::move(launch)), asio::detached);
  return created;
}

std::expected<json::object, RpcError> handle(McpServer::Impl& server, std::string_view method,
                                             const json::object& params, const json::object& client_capabilities,
                                             std::string_view owner) {
  // SEP-2663: the task surface exists only for a request that negotiated the extension.
  if (!declares_tasks(client_capabilities)) return std::unexpected(tasks_extension_required());
  auto id = task_id(params);
  if (id.empty())
    return std::unexpected(RpcError{code::invalid_params, std::string(method) + " needs params.taskId", std::nullopt});
  auto task = server.tasks.find(id, owner);
  if (!task) return std::unexpected(RpcError{code::invalid_params, "Unknown task", json::object{{"taskId", id}}});
  if (method == "tasks/get") return server.tasks.describe(*task, server.options.task_poll_interval);
  if (method == "tasks/cancel") {
    // Idempotent: cancelling a finished task acknowledges and changes nothing.
    server.tasks.cancel(*task, "cancelled by the client");
    return json::object{};
  }
  auto* responses = params.if_contains("inputResponses");
  if (!responses || !responses->is_object())
    return std::unexpected(RpcError{code::invalid_params, "tasks/update needs params.inputResponses", std::nullopt});
  for (auto& [k, v] : responses->get_object())
    if (!v.is_object())
      return std::unexpected(
          RpcError{code::invalid_params, "inputResponses." + std::string(k) + " must be an object", std::nullopt});
  // Answers to keys that are not pending are ignored; the new state shows on the next tasks/get.
  server.tasks.answer(*task, responses->get_object());
  return json::object{};
}

}  // namespace mcpgate::mcp::server::tasks
