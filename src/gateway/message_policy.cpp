#include "gateway/message_policy.hpp"

#include "core/json.hpp"
#include "gateway/upstream.hpp"
#include "mcp/jsonrpc.hpp"
#include "policy/canonical_name.hpp"
#include "policy/method_table.hpp"

namespace mcpgate::gateway {
namespace http = net::http;
namespace json = boost::json;

namespace {

net::Response rpc_refusal(unsigned status, const json::value& id, int code, const std::string& message) {
  net::Response res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = serialize_json(mcp::make_error(id, code, message));
  return res;
}

policy::Decision refused(std::string rule, std::string reason) {
  policy::Decision d;
  d.outcome = policy::Outcome::forbidden;
  d.rule = std::move(rule);
  d.reason = std::move(reason);
  return d;
}

json::object* object_at(json::object* o, std::string_view key) {
  if (!o) return nullptr;
  auto* v = o->if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

// One name slot of a request: rewritten in place to its canonical form, or the reason it has none.
struct Slot {
  policy::TargetKind kind;
  json::value* value;  // null: the parameter is missing
};

[[nodiscard]] expected<std::string, std::string> canonicalize(Slot s) {
  if (!s.value || !s.value->is_string()) return unexpected(std::string("missing or not a string"));
  std::string_view raw = s.value->get_string();
  auto c = s.kind == policy::TargetKind::resource ? policy::canonical_uri(raw) : policy::canonical_name(raw);
  if (!c) return unexpected(std::string(policy::describe(c.error())));
  if (*c != raw) *s.value = *c;  // forward exactly the form that is judged
  return *c;
}

// The name slots a request method carries (several for subscriptions/listen, none for the rest).
[[nodiscard]] expected<std::vector<Slot>, std::string> slots_of(json::object& request, const std::string& method) {
  auto* params = object_at(&request, "params");
  auto slot = [&](json::object* o, std::string_view key) { return o ? o->if_contains(key) : nullptr; };
  using K = policy::TargetKind;
  if (method == "tools/call") return std::vector<Slot>{{K::tool, slot(params, "name")}};
  if (method == "prompts/get") return std::vector<Slot>{{K::prompt, slot(params, "name")}};
  if (method == "resources/read" || method == "resources/subscribe" || method == "resources/unsubscribe")
    return std::vector<Slot>{{K::resource, slot(params, "uri")}};
  if (method == "completion/complete") {
    auto* ref = object_at(params, "ref");
    auto* type = slot(ref, "type");
    std::string_view t = type && type->is_string() ? std::string_view(type->get_string()) : std::string_view();
    if (t == "ref/prompt") return std::vector<Slot>{{K::prompt, slot(ref, "name")}};
    if (t == "ref/resource") return std::vector<Slot>{{K::resource, slot(ref, "uri")}};
    return unexpected(std::string("unknown completion reference type"));
  }
  if (method == "subscriptions/listen") {
    std::vector<Slot> out;
    auto* subs = slot(object_at(params, "notifications"), "resourceSubscriptions");
    if (!subs) return out;
    if (!subs->is_array()) return unexpected(std::string("resourceSubscriptions is not an array"));
    for (auto& uri : subs->get_array()) out.push_back({K::resource, &uri});
    return out;
  }
  return std::vector<Slot>{};
}

const char* what(policy::TargetKind k) {
  return k == policy::TargetKind::resource ? "resource URI"
         : k == policy::TargetKind::tool   ? "tool name"
                                           : "prompt name";
}

// Step-up in one round: a caller without the endpoint's required scopes learns, in one challenge,
// every scope this operation needs as well (SEP-835; MCP authorization "Scope Challenge
// Handling"); the policy's own refusals never show before the baseline is held.
Verdict with_baseline(const Authorizer& authz, const Caller& caller, const json::value& id, Verdict out) {
  if (!caller.missing_required_scopes) return out;
  for (auto& j : out.judged)
    if (j.decision.outcome == policy::Outcome::insufficient_scope) {
      out.refusal = answer_for(authz.refusal(j.decision, id));
      return out;
    }
  out.refusal = answer_for(auth_refusal(authz.baseline_refusal(), Stage::scope_baseline));
  return out;
}

}  // namespace

Verdict judge_request(const Authorizer& authz, const Caller& caller, json::object& request, const std::string& method,
                      const std::string& upstream, const policy::ToolHints* hints) {
  Verdict v;
  json::value id = request.contains("id") ? request.at("id") : json::value();
  auto finish = [&](Verdict out) { return with_baseline(authz, caller, id, std::move(out)); };

  auto cls = policy::method_class(method, false);
  if (cls == policy::MethodClass::authentication_only) return finish(std::move(v));
  if (cls == policy::MethodClass::unknown) {
    policy::Target t = policy::target_of(method, object_at(&request, "params"));
    t.upstream = upstream;
    // Kind none: a client notification's name sent as a request; governed by authentication.
    if (t.kind != policy::TargetKind::none) {
      auto d = authz.decide(caller, t, hints);
      if (!d.allowed()) v.refusal = answer_for(authz.refusal(d, id));
      v.judged.push_back({std::move(t), std::move(d)});
    }
    return finish(std::move(v));
  }

  auto slots = slots_of(request, method);
  if (!slots) {
    policy::Target t{policy::TargetKind::none, "", method, upstream};
    v.judged.push_back({t, refused("canonical-form", "params: " + slots.error())});
    v.refusal = rpc_refusal(400, id, mcp::code::invalid_params, "Invalid params: " + slots.error());
    return finish(std::move(v));
  }
  for (auto& s : *slots) {
    auto name = canonicalize(s);
    if (!name) {
      // A name that two readers may take for two things is not judged at all (fail closed).
      std::string raw = s.value && s.value->is_string() ? std::string(s.value->get_string()) : std::string();
      policy::Target t{s.kind, raw, method, upstream};
      v.judged.push_back({t, refused("canonical-form", std::string(what(s.kind)) + ": " + name.error())});
      v.refusal = rpc_refusal(400, id, mcp::code::invalid_params,
                              std::string("Invalid params: the ") + what(s.kind) +
                                  " cannot be matched unambiguously (" + name.error() + ")");
      return finish(std::move(v));
    }
    policy::Target t{s.kind, *name, method, upstream};
    auto d = authz.decide(caller, t, hints);
    bool allowed = d.allowed();
    if (!allowed && !v.refusal) v.refusal = answer_for(authz.refusal(d, id));
    v.judged.push_back({std::move(t), std::move(d)});
    if (!allowed) break;
  }
  return finish(std::move(v));
}

Verdict judge_task(const Authorizer& authz, const Caller& caller, const json::object& request,
                   const std::string& method, const std::string* tool, const std::string& upstream, unsigned status,
                   const policy::ToolHints* hints) {
  Verdict v;
  json::value id = request.contains("id") ? request.at("id") : json::value();
  auto* params = request.if_contains("params");
  auto* task_id = params && params->is_object() ? params->get_object().if_contains("taskId") : nullptr;
  std::string task = task_id && task_id->is_string() ? std::string(task_id->get_string()) : std::string();
  if (!tool) {
    // Audited, so that someone trying other principals' task ids shows in the log.
    v.judged.push_back({policy::Target{policy::TargetKind::none, task, method, upstream},
                        refused("task-binding", task.empty() ? "no params.taskId" : "no task of this principal")});
    json::object data;
    if (!task.empty()) data["taskId"] = task;
    net::Response res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = serialize_json(mcp::make_error(
        id, mcp::code::invalid_params, task.empty() ? method + " needs params.taskId" : std::string("Unknown task"),
        task.empty() ? json::value() : json::value(std::move(data))));
    v.refusal = std::move(res);
    return with_baseline(authz, caller, id, std::move(v));
  }
  policy::Target t{policy::TargetKind::tool, *tool, "tools/call", upstream};
  auto d = authz.decide(caller, t, hints);
  if (!d.allowed()) v.refusal = answer_for(authz.refusal(d, id));
  v.judged.push_back({std::move(t), std::move(d)});
  return with_baseline(authz, caller, id, std::move(v));
}

Verdict judge_notification(const Authorizer& authz, const Caller& caller, const json::object& notification,
                           const std::string& method, const std::string& upstream) {
  Verdict v;
  auto cls = policy::method_class(method, true);
  if (cls == policy::MethodClass::authentication_only) return v;
  if (cls == policy::MethodClass::malformed) {
    // A request without an id: an upstream that ran it anyway (as some do) would act with no
    // answer to carry a refusal, so it is never sent, policy or not.
    auto* params = notification.if_contains("params");
    auto t = policy::target_of(method, params && params->is_object() ? &params->get_object() : nullptr);
    t.upstream = upstream;
    v.judged.push_back({std::move(t), refused("malformed", "request method sent as a notification")});
    v.refusal = rpc_refusal(400, nullptr, mcp::code::invalid_request,
                            "Invalid Request: " + method + " is a request and needs an id");
    v.malformed = true;
    return v;
  }
  policy::Target t{policy::TargetKind::method, method, method, upstream};
  auto d = authz.decide(caller, t, nullptr);
  if (!d.allowed()) v.refusal = answer_for(authz.refusal(d, nullptr));
  v.judged.push_back({std::move(t), std::move(d)});
  return v;
}

std::optional<std::size_t> server_request_upstream(std::string_view id) {
  if (!id.starts_with(kServerRequestIdPrefix)) return std::nullopt;
  id.remove_prefix(kServerRequestIdPrefix.size());
  auto colon = id.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view d) {
    if (d.empty() || d.size() > 18 || (d.size() > 1 && d[0] == '0')) return false;
    for (char c : d)
      if (c < '0' || c > '9') return false;
    return true;
  };
  auto index = id.substr(0, colon), n = id.substr(colon + 1);
  if (!number(index) || !number(n)) return std::nullopt;
  return static_cast<std::size_t>(std::stoull(std::string(index)));
}

}  // namespace mcpgate::gateway
