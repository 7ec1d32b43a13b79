// The tools the conformance suite's tasks scenarios (extension io.modelcontextprotocol/tasks)
// call: a sync-only tool, task-supporting tools that sleep, fail, or ask for input, and one that
// gathers input before it becomes a task.
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "everything.hpp"

namespace mcpgate::examples {

namespace {

Tool task_tool(std::string name, std::string description, json::object schema, TaskSupport support,
               ToolHandler handler) {
  Tool t;
  t.name = std::move(name);
  t.description = std::move(description);
  t.input_schema = std::move(schema);
  t.task_support = support;
  t.handler = std::move(handler);
  return t;
}

json::object schema(json::object properties) {
  return {{"type", "object"}, {"properties", std::move(properties)}};
}

json::object string_prop() {
  return {{"type", "string"}};
}

std::string arg(const json::object& args, std::string_view key) {
  auto* v = args.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// An accepted elicitation answer's content, or null.
const json::object* accepted_answer(const RequestContext& ctx, std::string_view key) {
  auto* in = ctx.input_responses();
  auto* r = in ? in->if_contains(key) : nullptr;
  if (!r || !r->is_object()) return nullptr;
  auto& o = r->get_object();
  auto* action = o.if_contains("action");
  auto* content = o.if_contains("content");
  if (!action || *action != "accept" || !content || !content->is_object()) return nullptr;
  return &content->get_object();
}

json::object confirm_schema() {
  return {{"type", "object"},
          {"properties", json::object{{"confirm", json::object{{"type", "boolean"}}}}},
          {"required", json::array{"confirm"}}};
}

json::object name_schema() {
  return {{"type", "object"}, {"properties", json::object{{"name", string_prop()}}}, {"required", json::array{"name"}}};
}

std::string answered_name(const RequestContext& ctx, std::string_view key) {
  if (auto* c = accepted_answer(ctx, key))
    if (auto* n = c->if_contains("name"); n && n->is_string()) return std::string(n->get_string());
  return {};
}

}  // namespace

void register_task_tools(McpServer& s) {
  s.add_tool(task_tool("greet", "Says hello (never a task)", schema({{"name", string_prop()}}), TaskSupport::forbidden,
                       sync_handler([](const json::object& args, RequestContext&) -> Reply {
                         return tool_text_result("Hello, " + arg(args, "name") + "!");
                       })));

  s.add_tool(task_tool(
      "slow_compute", "Sleeps `seconds`, then answers; runs as a task when the client supports tasks",
      schema({{"seconds", json::object{{"type", "number"}, {"minimum", 0}}}, {"label", string_prop()}}),
      TaskSupport::optional, [](const json::object& args, RequestContext& ctx) -> Task<Reply> {
        double seconds = 0;
        if (auto* v = args.if_contains("seconds"); v && v->is_number()) seconds = v->to_number<double>();
        seconds = std::min(std::max(seconds, 0.0), 3600.0);
        co_await ctx.sleep(std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000)));
        if (ctx.cancelled()) co_return RpcError{error_code::request_cancelled, "cancelled", std::nullopt};
        co_return tool_text_result("Computed " + arg(args, "label") + " after " + std::to_string(seconds) + "s");
      }));

  s.add_tool(task_tool("failing_job", "A task that reports a tool error after about a second", schema({}),
                       TaskSupport::required, [](const json::object&, RequestContext& ctx) -> Task<Reply> {
                         co_await ctx.sleep(std::chrono::seconds(1));
                         co_return tool_text_result("The job failed: simulated tool error", true);
                       }));

  s.add_tool(task_tool("protocol_error_job", "A task that ends in a protocol-level error", schema({}),
                       TaskSupport::optional, sync_handler([](const json::object&, RequestContext&) -> Reply {
                         return RpcError{error_code::internal_error, "Internal error: the job crashed", std::nullopt};
                       })));

  s.add_tool(task_tool("confirm_delete", "Asks for confirmation (elicitation), then pretends to delete `filename`",
                       schema({{"filename", string_prop()}}), TaskSupport::optional,
                       sync_handler([](const json::object& args, RequestContext& ctx) -> Reply {
                         auto file = arg(args, "filename");
                         if (auto* c = accepted_answer(ctx, "confirm")) {
                           auto* yes = c->if_contains("confirm");
                           bool confirmed = yes && yes->is_bool() && yes->get_bool();
                           return tool_text_result(confirmed ? "Deleted " + file : "Kept " + file);
                         }
                         InputRequired ir;
                         ir.input_requests["confirm"] = elicitation_input("Delete " + file + "?", confirm_schema());
                         return ir;
                       })));

  s.add_tool(task_tool("multi_input", "Asks two questions at once (elicitation)", schema({}), TaskSupport::optional,
                       sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
                         auto* first = accepted_answer(ctx, "first_name");
                         auto* second = accepted_answer(ctx, "confirmation");
                         if (first && second)
                           return tool_text_result("Got both answers: " + json::serialize(*first) + ", " +
                                                   json::serialize(*second));
                         InputRequired ir;
                         ir.input_requests["first_name"] = elicitation_input("What is your name?", name_schema());
                         ir.input_requests["confirmation"] = elicitation_input("Proceed?", confirm_schema());
                         return ir;
                       })));

  // Gathers the user's name inline (input-required result), then continues as a task.
  Tool with_task = task_tool("test_tool_with_task", "Asks for a name, then greets from a task", schema({}),
                             TaskSupport::required, sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
                               return tool_text_result("Hello, " + answered_name(ctx, "user_name") + ", from a task!");
                             }));
  with_task.before_task = sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
    if (!answered_name(ctx, "user_name").empty()) return json::object{};
    InputRequired ir;
    ir.input_requests["user_name"] = elicitation_input("What is your name?", name_schema());
    return ir;
  });
  s.add_tool(std::move(with_task));
}

}  // namespace mcpgate::examples
