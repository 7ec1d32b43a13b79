#include "mcp/server/call.hpp"

namespace mcpgate::mcp::server {

namespace {
const json::object kEmptyObject;

const json::object& meta_of(const json::object& params) {
  if (auto* m = params.if_contains("_meta"); m && m->is_object()) return m->get_object();
  return kEmptyObject;
}
}  // namespace

Outcome invalid(std::string message, std::optional<json::value> data) {
  return Outcome(std::unexpect, RpcError{code::invalid_params, std::move(message), std::move(data)});
}

Call::Call(McpServer::Impl& server, ProtocolEra era, Session* session, Outlet& outlet, const json::object& params,
           std::string version, const json::object& caps, std::string_view owner)
    : server_(server),
      era_(era),
      params_(params),
      owner_(owner),
      ctx_(server, era, std::move(version), caps, meta_of(params), session, outlet) {}

Task<Outcome> Call::run(std::string_view method) {
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

std::string_view Call::string_param(std::string_view key) const {
  auto* v = params_.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

// MRTR inputs of a retry. Both are client input: the responses must be objects, and the state
// must open under our key for this very request.
std::optional<RpcError> Call::take_inputs(std::string_view binding) {
  std::optional<json::object> inputs;
  std::optional<json::value> state;
  if (auto* ir = params_.if_contains("inputResponses")) {
    if (!ir->is_object()) return RpcError{code::invalid_params, "inputResponses must be an object", std::nullopt};
    for (auto& [k, v] : ir->get_object())
      if (!v.is_object())
        return RpcError{code::invalid_params, "inputResponses." + std::string(k) + " must be an object", std::nullopt};
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
Task<Outcome> Call::with_inputs(std::string binding, const std::function<Task<Reply>()>& invoke) {
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

}  // namespace mcpgate::mcp::server
