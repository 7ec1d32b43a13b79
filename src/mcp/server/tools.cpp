// Tools: registering them, describing them in tools/list, and tools/call (inline or as a task).
#include "mcp/server/call.hpp"
#include "mcp/server/tasks.hpp"

namespace mcpgate::mcp::server {

namespace asio = net::asio;

namespace {
json::object describe(const Tool& t, ProtocolEra era) {
  json::object o{{"name", t.name}};
  if (!t.title.empty()) o["title"] = t.title;
  if (!t.description.empty()) o["description"] = t.description;
  o["inputSchema"] = t.input_schema;
  if (t.output_schema) o["outputSchema"] = *t.output_schema;
  json::object a;
  auto& an = t.annotations;
  if (an.title) a["title"] = *an.title;
  if (an.read_only_hint) a["readOnlyHint"] = *an.read_only_hint;
  if (an.destructive_hint) a["destructiveHint"] = *an.destructive_hint;
  if (an.idempotent_hint) a["idempotentHint"] = *an.idempotent_hint;
  if (an.open_world_hint) a["openWorldHint"] = *an.open_world_hint;
  if (!a.empty()) o["annotations"] = std::move(a);
  // Only where tasks exist: a legacy client would read "required" as a promise of v1 tasks.
  if (era == ProtocolEra::modern && t.task_support != TaskSupport::forbidden)
    o["execution"] = json::object{{"taskSupport", t.task_support == TaskSupport::required ? "required" : "optional"}};
  if (!t.required_scopes.empty()) {
    json::array scopes;
    for (auto& s : t.required_scopes) scopes.emplace_back(s);
    o["_meta"] = json::object{{"io.mcpgate/requiredScopes", std::move(scopes)}};
  }
  return o;
}
}  // namespace

Outcome Call::list_tools() {
  json::array out;
  std::shared_lock lock(server_.mu);
  for (auto& t : server_.tools) out.push_back(describe(*t, era_));
  return json::object{{"tools", std::move(out)}};
}

Task<Outcome> Call::call_tool() {
  auto name = string_param("name");
  if (name.empty()) co_return invalid("tools/call needs params.name");
  static const json::object kNoArguments;
  const json::object* args = &kNoArguments;
  if (auto* a = params_.if_contains("arguments"); a && !a->is_null()) {
    if (!a->is_object()) co_return invalid("tools/call arguments must be an object");
    args = &a->get_object();
  }
  auto tool = server_.find_tool(name);
  if (!tool) co_return invalid("Unknown tool: " + std::string(name));
  if (era_ == ProtocolEra::modern) {
    json::object missing;
    for (auto& [cap, v] : tool->required_client_capabilities)
      if (!ctx_.client_supports(cap)) missing[cap] = v;
    if (!missing.empty()) co_return Outcome(std::unexpect, missing_capability_error(std::move(missing)));
  }
  // Tasks (SEP-2663): the server decides, for a request that declared the extension.
  bool as_task = era_ == ProtocolEra::modern && tool->task_support != TaskSupport::forbidden &&
                 declares_tasks(ctx_.client_capabilities());
  if (tool->task_support == TaskSupport::required && !as_task)
    co_return Outcome(std::unexpect, tasks_extension_required());
  if (as_task) co_return co_await start_task(tool, *args);
  auto out = co_await with_inputs("tools/call\n" + std::string(name),
                                  [&]() -> Task<Reply> { return tool->handler(*args, ctx_); });
  if (out && !out->contains("content") && !out->contains("inputRequests")) (*out)["content"] = json::array{};
  co_return out;
}

// The input rounds before the task (Tool::before_task) run here, inline; the last round's
// answers go to the task.
Task<Outcome> Call::start_task(const std::shared_ptr<const Tool>& tool, const json::object& args) {
  std::string binding = "tools/call\n" + tool->name;
  if (tool->before_task) {
    auto gate = co_await with_inputs(binding, [&]() -> Task<Reply> { return tool->before_task(args, ctx_); });
    if (!gate || gate->contains("inputRequests")) co_return gate;
  } else if (auto e = take_inputs(binding)) {
    co_return Outcome(std::unexpect, std::move(*e));
  }
  TaskLaunch launch{tool,
                    args,
                    std::string(ctx_.protocol_version()),
                    ctx_.client_capabilities(),
                    ctx_.meta(),
                    std::nullopt,
                    std::nullopt,
                    std::string(owner_)};
  if (auto* in = ctx_.input_responses()) launch.input_responses = *in;
  if (auto* st = ctx_.state()) launch.state = *st;
  co_return tasks::start(server_, co_await asio::this_coro::executor, std::move(launch));
}

}  // namespace mcpgate::mcp::server

namespace mcpgate {

using mcp::server::erase_by;

void McpServer::add_tool(Tool tool) {
  {
    std::unique_lock lock(impl_->mu);
    auto p = std::make_shared<const Tool>(std::move(tool));
    bool replaced = false;
    for (auto& t : impl_->tools)
      if (t->name == p->name) t = p, replaced = true;
    if (!replaced) impl_->tools.push_back(std::move(p));
  }
  impl_->broadcast(mcp::make_notification("notifications/tools/list_changed"));
}

bool McpServer::remove_tool(std::string_view name) {
  bool removed;
  {
    std::unique_lock lock(impl_->mu);
    removed = erase_by(impl_->tools, [&](auto& t) { return t->name == name; });
  }
  if (removed) impl_->broadcast(mcp::make_notification("notifications/tools/list_changed"));
  return removed;
}

std::shared_ptr<const Tool> McpServer::Impl::find_tool(std::string_view name) const {
  std::shared_lock lock(mu);
  for (auto& t : tools)
    if (t->name == name) return t;
  return nullptr;
}

}  // namespace mcpgate
