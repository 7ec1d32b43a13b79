#include <array>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <cmath>

#include "core/random.hpp"
#include "mcp/http_front.hpp"
#include "mcp/server/server_impl.hpp"
#include "mcp/server/tasks.hpp"

namespace mcpgate {

using mcp::Message;
using mcp::server::Outlet;
using mcp::server::Session;
namespace asio = net::asio;
namespace code = mcp::code;

// ---------------------------------------------------------------------------------------------
// Vocabulary

namespace {
constexpr std::array<std::string_view, 8> kLevelNames = {"debug", "info",     "notice", "warning",
                                                         "error", "critical", "alert",  "emergency"};
// Numbers that happen to be whole go out as integers: `0` rather than `0E0`.
json::value number(double d) {
  if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15) return static_cast<std::int64_t>(d);
  return d;
}
}  // namespace

std::string_view to_string(LogLevel level) {
  return kLevelNames[static_cast<std::size_t>(level)];
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i)
    if (kLevelNames[i] == text) return static_cast<LogLevel>(i);
  return std::nullopt;
}

json::object text_content(std::string_view text) {
  return {{"type", "text"}, {"text", text}};
}

json::object tool_text_result(std::string_view text, bool is_error) {
  json::object r{{"content", json::array{text_content(text)}}};
  if (is_error) r["isError"] = true;
  return r;
}

json::object elicitation_input(std::string_view message, json::object requested_schema) {
  return {{"method", "elicitation/create"},
          {"params", json::object{{"message", message}, {"requestedSchema", std::move(requested_schema)}}}};
}

json::object sampling_input(std::string_view user_text, std::int64_t max_tokens) {
  json::array messages{json::object{{"role", "user"}, {"content", text_content(user_text)}}};
  return {{"method", "sampling/createMessage"},
          {"params", json::object{{"messages", std::move(messages)}, {"maxTokens", max_tokens}}}};
}

json::object roots_input() {
  return {{"method", "roots/list"}, {"params", json::object{}}};
}

RpcError missing_capability_error(json::object required_capabilities) {
  std::string names;
  for (auto& [k, v] : required_capabilities) names += (names.empty() ? "" : ", ") + std::string(k);
  return RpcError{code::missing_capability, "Missing required client capability: " + names,
                  json::object{{"requiredCapabilities", std::move(required_capabilities)}}};
}

bool RequestContext::client_supports(std::string_view capability) const {
  auto* v = client_capabilities().if_contains(capability);
  return v && !v->is_null() && !(v->is_bool() && !v->get_bool());
}

ToolHandler sync_handler(SyncToolHandler fn) {
  return [fn = std::move(fn)](const json::object& arguments, RequestContext& ctx) -> Task<Reply> {
    co_return fn(arguments, ctx);
  };
}

namespace mcp::server {

namespace {
// The client capability a server→client request needs (client/{sampling,elicitation,roots}).
std::string_view capability_for(std::string_view method) {
  if (method == "sampling/createMessage") return "sampling";
  if (method == "elicitation/create") return "elicitation";
  if (method == "roots/list") return "roots";
  return {};
}
}  // namespace

ProtocolEra era_of(const Message& message) {
  if (auto* p = message.params())
    if (auto* m = p->if_contains("_meta"); m && m->is_object() && m->get_object().contains(kMetaProtocolVersion))
      return ProtocolEra::modern;
  return ProtocolEra::legacy;
}

// The front door's rules (mcp/http_front), so that stdio and HTTP refuse the same requests.
std::optional<RpcError> check_modern_meta(const json::object* params) {
  auto missing = mcp::front::missing_meta_keys(params);
  if (missing.empty()) return std::nullopt;
  return RpcError{code::invalid_params, "Invalid params: missing _meta keys: " + missing, std::nullopt};
}

std::optional<RpcError> check_modern_version(std::string_view requested) {
  if (is_modern_revision(requested)) return std::nullopt;
  return RpcError{code::unsupported_version, "Unsupported protocol version",
                  mcp::front::unsupported_version_data(requested)};
}

json::object error_response(const json::value& id, const RpcError& e) {
  return make_error(id, e.code, e.message, e.data);
}

namespace {

const json::object kEmptyObject;

class Context final : public RequestContext {
 public:
  Context(McpServer::Impl& server, ProtocolEra era, std::string version, const json::object& caps,
          const json::object& meta, Session* session, Outlet& outlet)
      : server_(server),
        era_(era),
        version_(std::move(version)),
        caps_(caps),
        meta_(meta),
        session_(session),
        outlet_(outlet) {}

  ProtocolEra era() const override { return era_; }
  std::string_view protocol_version() const override { return version_; }
  const json::object& client_capabilities() const override { return caps_; }
  const json::object& meta() const override { return meta_; }
  const json::object* input_responses() const override { return inputs_ ? &*inputs_ : nullptr; }
  const json::value* state() const override { return state_ ? &*state_ : nullptr; }

  void set_inputs(std::optional<json::object> inputs, std::optional<json::value> state) {
    inputs_ = std::move(inputs);
    state_ = std::move(state);
  }

  bool should_log(LogLevel level) const override {
    if (era_ == ProtocolEra::legacy) return session_ && static_cast<int>(level) >= session_->log_level.load();
    // 2026-07-28: no logging/setLevel; the client asks per request, and silence is the default.
    auto* l = meta_.if_contains("io.modelcontextprotocol/logLevel");
    if (!l || !l->is_string()) return false;
    auto min = parse_log_level(l->get_string());
    return min && level >= *min;
  }

  Task<bool> log(LogLevel level, json::value data, std::string_view logger) override {
    if (!should_log(level)) co_return true;
    json::object params{{"level", to_string(level)}, {"data", std::move(data)}};
    if (!logger.empty()) params["logger"] = logger;
    co_return co_await outlet_.send(make_notification("notifications/message", std::move(params)));
  }

  Task<bool> progress(double progress, std::optional<double> total, std::string_view message) override {
    auto* token = meta_.if_contains("progressToken");
    if (!token || !(token->is_string() || token->is_number())) co_return true;
    json::object params{{"progressToken", *token}, {"progress", number(progress)}};
    if (total) params["total"] = number(*total);
    if (!message.empty()) params["message"] = message;
    co_return co_await outlet_.send(make_notification("notifications/progress", std::move(params)));
  }

  Task<std::expected<json::value, RpcError>> request(std::string_view method, json::object params) override {
    using R = std::expected<json::value, RpcError>;
    if (era_ == ProtocolEra::modern)
      co_return R(std::unexpect, RpcError{code::method_not_found,
                                          "server-to-client requests do not exist in this protocol revision; "
                                          "return an input-required result",
                                          std::nullopt});
    if (!session_) co_return R(std::unexpect, RpcError{code::internal_error, "no client session", std::nullopt});
    if (auto cap = capability_for(method); !cap.empty() && !client_supports(cap))
      co_return R(std::unexpect, missing_capability_error(json::object{{cap, json::object{}}}));
    json::value id = session_->next_request_id.fetch_add(1);
    auto key = id_key(id);
    auto executor = co_await asio::this_coro::executor;
    auto channel = session_->pending.add(key, executor);
    if (!channel) co_return R(std::unexpect, RpcError{code::internal_error, "client disconnected", std::nullopt});
    if (!co_await outlet_.send(make_request(id, method, std::move(params)))) {
      session_->pending.remove(key);
      co_return R(std::unexpect, RpcError{code::internal_error, "client disconnected", std::nullopt});
    }
    asio::steady_timer timer(executor, server_.options.client_request_timeout);
    using namespace asio::experimental::awaitable_operators;
    auto outcome =
        co_await (channel->async_receive(net::as_tuple_awaitable) || timer.async_wait(net::as_tuple_awaitable));
    if (outcome.index() == 1) {
      session_->pending.remove(key);
      co_return R(std::unexpect,
                  RpcError{code::upstream_timeout, "client did not answer " + std::string(method), std::nullopt});
    }
    auto [ec, reply] = std::get<0>(std::move(outcome));
    if (ec) co_return R(std::unexpect, RpcError{code::internal_error, "client disconnected", std::nullopt});
    if (auto* r = reply.if_contains("result")) co_return R(std::move(*r));
    RpcError e{code::internal_error, "client error", std::nullopt};
    if (auto* err = reply.if_contains("error"); err && err->is_object()) {
      auto& eo = err->get_object();
      if (auto* c = eo.if_contains("code"); c && c->is_int64()) e.code = static_cast<int>(c->get_int64());
      if (auto* m = eo.if_contains("message"); m && m->is_string()) e.message = m->get_string();
      if (auto* d = eo.if_contains("data")) e.data = *d;
    }
    co_return R(std::unexpect, std::move(e));
  }

  Task<void> sleep(std::chrono::milliseconds duration) override {
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    co_await timer.async_wait(net::as_tuple_awaitable);
  }

 private:
  McpServer::Impl& server_;
  ProtocolEra era_;
  std::string version_;
  const json::object& caps_;
  const json::object& meta_;
  Session* session_;
  Outlet& outlet_;
  std::optional<json::object> inputs_;
  std::optional<json::value> state_;
};

using Outcome = std::expected<json::object, RpcError>;

Outcome invalid(std::string message, std::optional<json::value> data = std::nullopt) {
  return Outcome(std::unexpect, RpcError{code::invalid_params, std::move(message), std::move(data)});
}

const json::object& meta_of(const json::object& params) {
  if (auto* m = params.if_contains("_meta"); m && m->is_object()) return m->get_object();
  return kEmptyObject;
}

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

template <class T>
void describe_common(json::object& o, const T& r) {
  if (!r.title.empty()) o["title"] = r.title;
  if (!r.description.empty()) o["description"] = r.description;
  if (!r.mime_type.empty()) o["mimeType"] = r.mime_type;
}

json::object describe(const Prompt& p) {
  json::object o{{"name", p.name}};
  if (!p.title.empty()) o["title"] = p.title;
  if (!p.description.empty()) o["description"] = p.description;
  if (!p.arguments.empty()) {
    json::array args;
    for (auto& a : p.arguments) {
      json::object ao{{"name", a.name}};
      if (!a.description.empty()) ao["description"] = a.description;
      ao["required"] = a.required;
      args.push_back(std::move(ao));
    }
    o["arguments"] = std::move(args);
  }
  return o;
}

// One protocol request, in either era.
class Call {
 public:
  Call(McpServer::Impl& server, ProtocolEra era, Session* session, Outlet& outlet, const json::object& params,
       std::string version, const json::object& caps, std::string_view owner = {})
      : server_(server),
        era_(era),
        params_(params),
        owner_(owner),
        ctx_(server, era, std::move(version), caps, meta_of(params), session, outlet) {}

  Task<Outcome> run(std::string_view method) {
    if (method == "tools/list") co_return list_tools();
    if (method == "tools/call") co_return co_await call_tool();
    if (method == "resources/list") co_return list_resources();
    if (method == "resources/templates/list") co_return list_templates();
    if (method == "resources/read") co_return co_await read_resource();
    if (method == "prompts/list") co_return list_prompts();
    if (method == "prompts/get") co_return co_await get_prompt();
    if (method == "completion/complete") co_return co_await complete();
    co_return Outcome(std::unexpect,
                      RpcError{code::method_not_found, "Method not found: " + std::string(method), std::nullopt});
  }

  Context& context() { return ctx_; }

 private:
  Outcome list_tools() {
    json::array out;
    std::shared_lock lock(server_.mu);
    for (auto& t : server_.tools) out.push_back(describe(*t, era_));
    return json::object{{"tools", std::move(out)}};
  }
  Outcome list_resources() {
    json::array out;
    std::shared_lock lock(server_.mu);
    for (auto& r : server_.resources) {
      json::object o{{"uri", r->uri}, {"name", r->name}};
      describe_common(o, *r);
      out.push_back(std::move(o));
    }
    return json::object{{"resources", std::move(out)}};
  }
  Outcome list_templates() {
    json::array out;
    std::shared_lock lock(server_.mu);
    for (auto& t : server_.templates) {
      json::object o{{"uriTemplate", t->spec.uri_template}, {"name", t->spec.name}};
      describe_common(o, t->spec);
      out.push_back(std::move(o));
    }
    return json::object{{"resourceTemplates", std::move(out)}};
  }
  Outcome list_prompts() {
    json::array out;
    std::shared_lock lock(server_.mu);
    for (auto& p : server_.prompts) out.push_back(describe(*p));
    return json::object{{"prompts", std::move(out)}};
  }

  std::string_view string_param(std::string_view key) const {
    auto* v = params_.if_contains(key);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
  }

  // MRTR inputs of a retry. Both are client input: the responses must be objects, and the state
  // must open under our key for this very request.
  std::optional<RpcError> take_inputs(std::string_view binding) {
    std::optional<json::object> inputs;
    std::optional<json::value> state;
    if (auto* ir = params_.if_contains("inputResponses")) {
      if (!ir->is_object()) return RpcError{code::invalid_params, "inputResponses must be an object", std::nullopt};
      for (auto& [k, v] : ir->get_object())
        if (!v.is_object())
          return RpcError{code::invalid_params, "inputResponses." + std::string(k) + " must be an object",
                          std::nullopt};
      inputs = ir->get_object();
    }
    if (auto* rs = params_.if_contains("requestState")) {
      if (!rs->is_string()) return RpcError{code::invalid_params, "requestState must be a string", std::nullopt};
      state = server_.sealer.open(rs->get_string(), binding);
      if (!state) return RpcError{code::invalid_params, "Invalid or tampered requestState", std::nullopt};
    }
    ctx_.set_inputs(std::move(inputs), std::move(state));
    return std::nullopt;
  }

  // Runs a handler that may ask for input. Modern era: an input-required result goes back to the
  // client. Legacy era: the library asks the client itself and runs the handler again.
  Task<Outcome> with_inputs(std::string binding, const std::function<Task<Reply>()>& invoke) {
    if (auto e = take_inputs(binding)) co_return Outcome(std::unexpect, std::move(*e));
    for (int round = 0;; ++round) {
      Reply reply = co_await invoke();
      if (auto* e = std::get_if<RpcError>(&reply)) co_return Outcome(std::unexpect, std::move(*e));
      if (auto* o = std::get_if<json::object>(&reply)) co_return std::move(*o);
      auto& ir = std::get<InputRequired>(reply);
      json::object missing;
      for (auto& [k, req] : ir.input_requests) {
        auto* m = req.is_object() ? req.get_object().if_contains("method") : nullptr;
        if (!m || !m->is_string())
          co_return Outcome(std::unexpect, RpcError{code::internal_error, "malformed input request", std::nullopt});
        if (auto cap = capability_for(m->get_string()); !cap.empty() && !ctx_.client_supports(cap))
          missing[cap] = json::object{};
      }
      // Never ask a client for what it did not declare it can give.
      if (!missing.empty()) co_return Outcome(std::unexpect, missing_capability_error(std::move(missing)));
      if (era_ == ProtocolEra::modern) {
        json::object out{{"resultType", "input_required"}, {"inputRequests", std::move(ir.input_requests)}};
        if (ir.state) out["requestState"] = server_.sealer.seal(*ir.state, binding, server_.options.request_state_ttl);
        co_return out;
      }
      if (round + 1 >= server_.options.max_input_rounds)
        co_return Outcome(std::unexpect, RpcError{code::internal_error, "too many input rounds", std::nullopt});
      json::object answers;
      for (auto& [k, req] : ir.input_requests) {
        auto& ro = req.get_object();
        json::object p;
        if (auto* pv = ro.if_contains("params"); pv && pv->is_object()) p = pv->get_object();
        auto answer = co_await ctx_.request(ro.at("method").get_string(), std::move(p));
        if (!answer) co_return Outcome(std::unexpect, std::move(answer.error()));
        answers[k] = std::move(*answer);
      }
      ctx_.set_inputs(std::move(answers), std::move(ir.state));
    }
  }

  Task<Outcome> call_tool() {
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
  Task<Outcome> start_task(const std::shared_ptr<const Tool>& tool, const json::object& args) {
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

  Task<Outcome> read_resource() {
    auto uri = string_param("uri");
    if (uri.empty()) co_return invalid("resources/read needs params.uri");
    ResourceRead read{std::string(uri), {}};
    std::shared_ptr<const Resource> exact;
    std::shared_ptr<const CompiledTemplate> tmpl;
    {
      std::shared_lock lock(server_.mu);
      for (auto& r : server_.resources)
        if (r->uri == uri) exact = r;
      if (!exact)
        for (auto& t : server_.templates)
          if (auto vars = t->matcher.match(uri)) {
            tmpl = t;
            read.variables = std::move(*vars);
            break;
          }
    }
    // SEP-2164: an unknown resource is invalid params naming the URI, never an empty result.
    if (!exact && !tmpl) co_return invalid("Resource not found", json::object{{"uri", uri}});
    const ResourceHandler& handler = exact ? exact->handler : tmpl->spec.handler;
    co_return co_await with_inputs("resources/read\n" + std::string(uri),
                                   [&]() -> Task<Reply> { return handler(read, ctx_); });
  }

  Task<Outcome> get_prompt() {
    auto name = string_param("name");
    if (name.empty()) co_return invalid("prompts/get needs params.name");
    auto prompt = server_.find_prompt(name);
    if (!prompt) co_return invalid("Unknown prompt: " + std::string(name));
    static const json::object kNoArguments;
    const json::object* args = &kNoArguments;
    if (auto* a = params_.if_contains("arguments"); a && !a->is_null()) {
      if (!a->is_object()) co_return invalid("prompts/get arguments must be an object");
      args = &a->get_object();
    }
    for (auto& pa : prompt->arguments)
      if (pa.required && !args->contains(pa.name)) co_return invalid("Missing required argument: " + pa.name);
    co_return co_await with_inputs("prompts/get\n" + std::string(name),
                                   [&]() -> Task<Reply> { return prompt->handler(*args, ctx_); });
  }

  Task<Outcome> complete() {
    auto* ref = params_.if_contains("ref");
    auto* arg = params_.if_contains("argument");
    if (!ref || !ref->is_object() || !arg || !arg->is_object())
      co_return invalid("completion/complete needs params.ref and params.argument");
    CompletionRequest req;
    auto str = [](const json::object& o, std::string_view k) {
      auto* v = o.if_contains(k);
      return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    req.ref_type = str(ref->get_object(), "type");
    req.ref = str(ref->get_object(), req.ref_type == "ref/resource" ? "uri" : "name");
    req.argument = str(arg->get_object(), "name");
    req.value = str(arg->get_object(), "value");
    if (auto* c = params_.if_contains("context"); c && c->is_object())
      if (auto* a = c->get_object().if_contains("arguments"); a && a->is_object())
        req.context_arguments = a->get_object();
    std::shared_ptr<const CompletionHandler> handler;
    {
      std::shared_lock lock(server_.mu);
      handler = server_.completion;
    }
    Completion c;
    if (handler) c = co_await (*handler)(req, ctx_);
    json::array values;
    for (std::size_t i = 0; i < c.values.size() && i < 100; ++i) values.emplace_back(c.values[i]);
    json::object completion{{"values", std::move(values)}};
    if (c.total) completion["total"] = *c.total;
    completion["hasMore"] = c.has_more || c.values.size() > 100;
    co_return json::object{{"completion", std::move(completion)}};
  }

  McpServer::Impl& server_;
  ProtocolEra era_;
  const json::object& params_;
  std::string_view owner_;
  Context ctx_;
};

bool cacheable(std::string_view method) {
  return method == "tools/list" || method == "resources/list" || method == "resources/templates/list" ||
         method == "prompts/list" || method == "resources/read" || method == "server/discover";
}

json::object server_capabilities(ProtocolEra era) {
  json::object caps{{"logging", json::object{}}, {"completions", json::object{}}};
  // Tasks exist in the modern era only, as an extension (not the v1 `tasks` capability).
  if (era == ProtocolEra::modern) caps["extensions"] = json::object{{kTasksExtension, json::object{}}};
  if (era == ProtocolEra::legacy) {
    caps["prompts"] = json::object{{"listChanged", true}};
    caps["resources"] = json::object{{"subscribe", true}, {"listChanged", true}};
    caps["tools"] = json::object{{"listChanged", true}};
  } else {
    // No subscriptions/listen yet, so nothing is promised about change notifications.
    caps["prompts"] = json::object{};
    caps["resources"] = json::object{};
    caps["tools"] = json::object{};
  }
  return caps;
}

}  // namespace
}  // namespace mcp::server

// ---------------------------------------------------------------------------------------------
// McpServer

namespace {
Secret fresh_key() {
  std::string key(32, '\0');
  system_random().fill(key.data(), key.size());
  return Secret(std::move(key));
}
}  // namespace

McpServer::Impl::Impl(ServerInfo i, ServerOptions o)
    : info(std::move(i)),
      options(o),
      sealer(fresh_key(), system_clock()),
      tasks(o.max_tasks, o.task_ttl, system_clock(), system_random()) {}

McpServer::McpServer(ServerInfo info, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(info), options)) {}
McpServer::~McpServer() = default;

const ServerInfo& McpServer::info() const {
  return impl_->info;
}
const ServerOptions& McpServer::options() const {
  return impl_->options;
}

namespace {
template <class V, class Key>
bool erase_by(V& v, Key key) {
  auto n = v.size();
  std::erase_if(v, key);
  return v.size() != n;
}
}  // namespace

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

void McpServer::add_resource(Resource resource) {
  {
    std::unique_lock lock(impl_->mu);
    auto p = std::make_shared<const Resource>(std::move(resource));
    bool replaced = false;
    for (auto& r : impl_->resources)
      if (r->uri == p->uri) r = p, replaced = true;
    if (!replaced) impl_->resources.push_back(std::move(p));
  }
  impl_->broadcast(mcp::make_notification("notifications/resources/list_changed"));
}

bool McpServer::remove_resource(std::string_view uri) {
  bool removed;
  {
    std::unique_lock lock(impl_->mu);
    removed = erase_by(impl_->resources, [&](auto& r) { return r->uri == uri; });
  }
  if (removed) impl_->broadcast(mcp::make_notification("notifications/resources/list_changed"));
  return removed;
}

void McpServer::add_resource_template(ResourceTemplate tmpl) {
  auto matcher = mcp::server::UriTemplate::compile(tmpl.uri_template);
  // A bad template is a programming error of the server author: fail at start-up.
  if (!matcher) throw std::invalid_argument("resource template " + tmpl.uri_template + ": " + matcher.error().message);
  {
    std::unique_lock lock(impl_->mu);
    impl_->templates.push_back(std::make_shared<const mcp::server::CompiledTemplate>(
        mcp::server::CompiledTemplate{std::move(tmpl), *matcher}));
  }
  impl_->broadcast(mcp::make_notification("notifications/resources/list_changed"));
}

void McpServer::add_prompt(Prompt prompt) {
  {
    std::unique_lock lock(impl_->mu);
    auto p = std::make_shared<const Prompt>(std::move(prompt));
    bool replaced = false;
    for (auto& q : impl_->prompts)
      if (q->name == p->name) q = p, replaced = true;
    if (!replaced) impl_->prompts.push_back(std::move(p));
  }
  impl_->broadcast(mcp::make_notification("notifications/prompts/list_changed"));
}

bool McpServer::remove_prompt(std::string_view name) {
  bool removed;
  {
    std::unique_lock lock(impl_->mu);
    removed = erase_by(impl_->prompts, [&](auto& p) { return p->name == name; });
  }
  if (removed) impl_->broadcast(mcp::make_notification("notifications/prompts/list_changed"));
  return removed;
}

void McpServer::set_completion_handler(CompletionHandler handler) {
  std::unique_lock lock(impl_->mu);
  impl_->completion = std::make_shared<const CompletionHandler>(std::move(handler));
}

void McpServer::notify_resource_updated(std::string_view uri) {
  impl_->broadcast(mcp::make_notification("notifications/resources/updated", json::object{{"uri", uri}}), uri);
}

std::shared_ptr<const Tool> McpServer::Impl::find_tool(std::string_view name) const {
  std::shared_lock lock(mu);
  for (auto& t : tools)
    if (t->name == name) return t;
  return nullptr;
}

std::shared_ptr<const Prompt> McpServer::Impl::find_prompt(std::string_view name) const {
  std::shared_lock lock(mu);
  for (auto& p : prompts)
    if (p->name == name) return p;
  return nullptr;
}

void McpServer::Impl::attach(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(sessions_mu);
  std::erase_if(sessions, [](auto& w) { return w.expired(); });
  sessions.push_back(session);
}

void McpServer::Impl::broadcast(const json::object& notification, std::string_view resource_uri) {
  std::vector<std::shared_ptr<Session>> targets;
  {
    std::lock_guard lock(sessions_mu);
    std::erase_if(sessions, [](auto& w) { return w.expired(); });
    for (auto& w : sessions)
      if (auto s = w.lock()) targets.push_back(std::move(s));
  }
  for (auto& s : targets) {
    if (!s->initialized || !s->notify) continue;
    if (!resource_uri.empty() && !s->subscribed(std::string(resource_uri))) continue;
    s->notify(notification);
  }
}

bool McpServer::Impl::deliver(Session& session, const Message& reply) {
  auto* id = reply.id();
  if (!id) return false;
  return session.pending.fulfill(mcp::id_key(*id), reply.body);
}

net::awaitable<std::optional<json::object>> McpServer::Impl::handle(const Message& message, ProtocolEra era,
                                                                    Session* session, Outlet& outlet,
                                                                    std::string_view owner) {
  using namespace mcp::server;
  using namespace mcp;
  static const json::object kNoParams;
  const json::object& params = message.params() ? *message.params() : kNoParams;
  auto method = message.method();
  if (message.is_notification()) {
    if (era == ProtocolEra::legacy && session && method == "notifications/initialized") session->initialized = true;
    co_return std::nullopt;
  }
  const json::value& id = *message.id();
  auto reply = [&](Outcome o) -> json::object {
    if (!o) return error_response(id, o.error());
    if (era == ProtocolEra::modern) {
      if (!o->contains("resultType")) (*o)["resultType"] = "complete";
      if (cacheable(method) && o->at("resultType") == "complete") {
        (*o)["ttlMs"] = options.cache.ttl_ms;
        (*o)["cacheScope"] = options.cache.shared ? "public" : "private";
      }
    }
    return mcp::make_result(id, std::move(*o));
  };

  if (era == ProtocolEra::modern) {
    if (auto e = check_modern_meta(&params)) co_return error_response(id, *e);
    auto& meta = params.at("_meta").get_object();
    std::string version(meta.at(kMetaProtocolVersion).get_string());
    if (auto e = check_modern_version(version)) co_return error_response(id, *e);
    if (method == "server/discover") {
      json::array versions;
      for (auto v : kKnownRevisions) versions.emplace_back(v);
      json::object r{{"supportedVersions", std::move(versions)}, {"capabilities", server_capabilities(era)}};
      if (!info.instructions.empty()) r["instructions"] = info.instructions;
      json::object server_info{{"name", info.name}, {"version", info.version}};
      if (!info.title.empty()) server_info["title"] = info.title;
      r["_meta"] = json::object{{"io.modelcontextprotocol/serverInfo", std::move(server_info)}};
      co_return reply(std::move(r));
    }
    auto& caps = meta.at(kMetaClientCapabilities).get_object();
    if (is_task_method(method)) co_return reply(tasks::handle(*this, method, params, caps, owner));
    Call call(*this, era, nullptr, outlet, params, version, caps, owner);
    co_return reply(co_await call.run(method));
  }

  if (!session) co_return error_response(id, RpcError{code::internal_error, "no session", std::nullopt});
  if (method == "initialize") {
    auto* v = params.if_contains("protocolVersion");
    if (!v || !v->is_string())
      co_return error_response(id, RpcError{code::invalid_params, "initialize needs protocolVersion", std::nullopt});
    // Echo a revision we speak, else offer our newest legacy one (the client decides).
    session->protocol_version =
        is_legacy_revision(v->get_string()) ? std::string(v->get_string()) : std::string(kRev20251125);
    if (auto* c = params.if_contains("capabilities"); c && c->is_object())
      session->client_capabilities = c->get_object();
    if (auto* c = params.if_contains("clientInfo"); c && c->is_object()) session->client_info = c->get_object();
    json::object server_info{{"name", info.name}, {"version", info.version}};
    if (!info.title.empty()) server_info["title"] = info.title;
    json::object r{{"protocolVersion", session->protocol_version},
                   {"capabilities", server_capabilities(era)},
                   {"serverInfo", std::move(server_info)}};
    if (!info.instructions.empty()) r["instructions"] = info.instructions;
    co_return reply(std::move(r));
  }
  if (method == "ping") co_return reply(json::object{});
  if (method == "logging/setLevel") {
    auto* l = params.if_contains("level");
    auto level = l && l->is_string() ? parse_log_level(l->get_string()) : std::nullopt;
    if (!level) co_return error_response(id, RpcError{code::invalid_params, "unknown log level", std::nullopt});
    session->log_level = static_cast<int>(*level);
    co_return reply(json::object{});
  }
  if (method == "resources/subscribe" || method == "resources/unsubscribe") {
    auto* u = params.if_contains("uri");
    if (!u || !u->is_string() || u->get_string().empty())
      co_return error_response(id, RpcError{code::invalid_params, "needs params.uri", std::nullopt});
    std::string uri(u->get_string());
    if (method == "resources/subscribe" && !session->subscribe(uri))
      co_return error_response(id, RpcError{code::invalid_params, "too many subscriptions", std::nullopt});
    if (method == "resources/unsubscribe") session->unsubscribe(uri);
    co_return reply(json::object{});
  }
  Call call(*this, era, session, outlet, params, session->protocol_version, session->client_capabilities);
  co_return reply(co_await call.run(method));
}

}  // namespace mcpgate
