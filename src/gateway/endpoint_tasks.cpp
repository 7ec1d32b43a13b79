// Tasks through the gateway (2026-07-28 extension io.modelcontextprotocol/tasks, SEP-2663; and the
// tasks of 2025-11-25): a task is created by an upstream's answer to a tools/call and then reached
// by its id alone. The upstream cannot tell principals apart behind the gateway, so the gateway
// binds each id to the principal that created it (task_registry.hpp) and judges every later task
// method as a tools/call of the task's tool (message_policy.hpp).
#include "core/json.hpp"
#include "gateway/endpoint.hpp"
#include "gateway/endpoint_call.hpp"
#include "gateway/message_policy.hpp"
#include "mcp/jsonrpc.hpp"
#include "mcp/protocol.hpp"

namespace mcpgate::gateway {
using steady = std::chrono::steady_clock;

namespace {

const json::object* result_of(const json::object& reply) {
  auto* r = reply.if_contains("result");
  return r && r->is_object() ? &r->get_object() : nullptr;
}

std::string_view string_at(const json::object* o, std::string_view key) {
  if (!o) return {};
  auto* v = o->if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

std::optional<std::chrono::milliseconds> millis_at(const json::object* o, std::string_view key) {
  if (!o) return std::nullopt;
  auto* v = o->if_contains(key);
  if (!v || !v->is_number()) return std::nullopt;
  auto ms = v->to_number<double>();
  if (!(ms >= 0)) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::min(ms, 1e15)));
}

// The task a tools/call answer created, if it is one: 2026-07-28 flat (`resultType: "task"`,
// `taskId`, `ttlMs`), or 2025-11-25 wrapped (`task: {taskId, ttl}`).
struct Created {
  std::string_view id;
  std::optional<std::chrono::milliseconds> ttl;
};
std::optional<Created> created_task(const json::object& reply) {
  auto* result = result_of(reply);
  if (!result) return std::nullopt;
  if (string_at(result, "resultType") == "task") {
    auto id = string_at(result, "taskId");
    if (!id.empty()) return Created{id, millis_at(result, "ttlMs")};
    return std::nullopt;
  }
  auto* task = result->if_contains("task");
  if (!task || !task->is_object()) return std::nullopt;
  auto id = string_at(&task->get_object(), "taskId");
  if (id.empty()) return std::nullopt;
  return Created{id, millis_at(&task->get_object(), "ttl")};
}

// SEP-2663: the task methods exist only for a request that declares the extension in its
// client capabilities; otherwise -32021 naming it (SEP-2575), as a server answers.
bool declares_tasks(const json::object& request) {
  auto* params = request.if_contains("params");
  auto* meta = params && params->is_object() ? params->get_object().if_contains("_meta") : nullptr;
  auto* caps = meta && meta->is_object() ? meta->get_object().if_contains(mcp::kMetaClientCapabilities) : nullptr;
  auto* ext = caps && caps->is_object() ? caps->get_object().if_contains("extensions") : nullptr;
  auto* tasks = ext && ext->is_object() ? ext->get_object().if_contains(mcp::kTasksExtension) : nullptr;
  return tasks && tasks->is_object();
}

}  // namespace

expected<std::size_t, net::Response> McpEndpoint::route_task(Call& call) {
  if (call.era == mcp::Era::modern && !declares_tasks(call.request)) {
    json::object required{{"extensions", json::object{{mcp::kTasksExtension, json::object{}}}}};
    net::Response res{net::http::status::bad_request, 11};
    res.set(net::http::field::content_type, "application/json");
    res.body() = serialize_json(mcp::make_error(call.request["id"], mcp::code::missing_capability,
                                                "Missing required client capability: extensions",
                                                json::object{{"requiredCapabilities", std::move(required)}}));
    metrics_.error(ErrorReason::bad_request);
    return unexpected(std::move(res));
  }
  auto* params = call.request.if_contains("params");
  auto id = string_at(params && params->is_object() ? &params->get_object() : nullptr, "taskId");
  auto task = id.empty() ? std::nullopt : tasks_.find(id, call.caller.key(), steady::now());
  auto upstream = task ? task->upstream : 0;
  unsigned status = call.era == mcp::Era::modern ? 400 : 200;
  auto v = judge_task(*authorizer(), call.caller, call.request, call.method, task ? &task->tool : nullptr,
                      task ? cfg_.upstreams[upstream].name : std::string(), status, hints_.get());
  record(call, v);
  if (v.refusal) return unexpected(std::move(*v.refusal));
  return upstream;
}

void McpEndpoint::remember_task(const Call& call, std::size_t upstream_index, std::string_view tool,
                                const json::object& reply) {
  auto created = created_task(reply);
  if (!created) return;
  // An id the upstream already gave another principal is not rebound (record() refuses): the
  // caller then reaches no task by it, which is safe whatever the upstream meant.
  tasks_.record(std::string(created->id), {call.caller.key(), upstream_index, std::string(tool)}, created->ttl,
                steady::now());
}

bool McpEndpoint::filter_task_list(const Call& call, json::object& reply) {
  auto* r = reply.if_contains("result");
  if (!r || !r->is_object()) return false;
  auto* list = r->get_object().if_contains("tasks");
  if (!list || !list->is_array()) return false;
  // The upstream lists every task of its session, which every principal may share behind the
  // gateway: only the caller's own tasks stay.
  json::array mine;
  auto now = steady::now();
  for (auto& t : list->get_array()) {
    auto id = t.is_object() ? string_at(&t.get_object(), "taskId") : std::string_view();
    if (!id.empty() && tasks_.find(id, call.caller.key(), now)) mine.push_back(t);
  }
  bool changed = mine.size() != list->get_array().size();
  *list = std::move(mine);
  return changed;
}

}  // namespace mcpgate::gateway
