#include <algorithm>

#include "policy/canonical_name.hpp"
#include "policy/glob.hpp"
#include "policy/method_table.hpp"
#include "policy/policy.hpp"

namespace mcpgate::policy {

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::allow:
      return "allow";
    case Outcome::insufficient_scope:
      return "insufficient_scope";
    case Outcome::forbidden:
      return "forbidden";
  }
  return "forbidden";
}

Engine::Engine(Policy policy) : policy_(std::move(policy)) {
  // Each pattern is filed by itself: a literal under its exact name (one hash lookup), a glob in
  // the pattern index (pattern_index.hpp). A rule with both is found through either.
  auto add = [](Index& index, const std::vector<std::string>& patterns, std::size_t rule) {
    for (auto& p : patterns) {
      if (p.find_first_of("*?{") != std::string::npos) {
        index.patterns.add(p, rule);
        continue;
      }
      auto& v = index.literal[p];
      if (v.empty() || v.back() != rule) v.push_back(rule);
    }
  };
  for (std::size_t i = 0; i < policy_.rules.size(); ++i) {
    auto& r = policy_.rules[i];
    // Patterns meet URIs in canonical form, so they are put in that form too: `res://PUBLIC/*`
    // matches what `RES://public/x` means. A pattern that has none is kept as written (it then
    // matches nothing a client can send).
    for (auto& p : r.resources)
      if (auto c = canonical_uri(p)) p = *c;
    if (r.tools.empty() && r.resources.empty() && r.prompts.empty() && !r.methods.empty()) method_rules_.push_back(i);
    if (!r.tools.empty()) add(tools_, r.tools, i);
    if (!r.resources.empty()) add(resources_, r.resources, i);
    if (!r.prompts.empty()) add(prompts_, r.prompts, i);
  }
}

std::vector<std::size_t> Engine::candidates(const Target& t) const {
  const Index* index = t.kind == TargetKind::tool       ? &tools_
                       : t.kind == TargetKind::resource ? &resources_
                       : t.kind == TargetKind::prompt   ? &prompts_
                                                        : nullptr;
  if (t.kind == TargetKind::method) return method_rules_;
  if (!index) return {};
  std::vector<std::size_t> out;
  auto it = index->literal.find(t.name);
  if (it != index->literal.end()) out = it->second;
  index->patterns.candidates(t.name, out);
  // File order decides among allow rules; a rule found through several patterns counts once.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::set<std::string> Engine::effective_scopes(const std::set<std::string>& granted) const {
  // Scope hierarchy (MCP authorization: servers MUST account for it): closure of `implies`.
  std::set<std::string> out = granted;
  std::vector<std::string> work(granted.begin(), granted.end());
  while (!work.empty()) {
    auto s = std::move(work.back());
    work.pop_back();
    auto it = policy_.implies.find(s);
    if (it == policy_.implies.end()) continue;
    for (auto& implied : it->second)
      if (out.insert(implied).second) work.push_back(implied);
  }
  return out;
}

namespace {
bool any_match(const std::vector<std::string>& patterns, const std::string& text) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return glob_match(p, text); });
}
bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
}  // namespace

bool Engine::matches_target(const Rule& r, const Target& t) const {
  if (!r.methods.empty() && !contains(r.methods, t.method)) return false;
  if (!r.upstreams.empty() && !contains(r.upstreams, t.upstream)) return false;
  switch (t.kind) {
    case TargetKind::tool:
      return any_match(r.tools, t.name);
    case TargetKind::resource:
      return any_match(r.resources, t.name);
    case TargetKind::prompt:
      return any_match(r.prompts, t.name);
    case TargetKind::method:
      return !r.methods.empty() && r.tools.empty() && r.resources.empty() && r.prompts.empty();
    case TargetKind::none:
      return false;
  }
  return false;
}

bool Engine::conditions_hold(const Rule& r, const Subject& s) const {
  if (!r.clients.empty() && !contains(r.clients, s.client_id)) return false;
  for (auto& c : r.claims) {
    auto* v = s.claims.if_contains(c.claim);
    if (!v) return false;
    bool ok = false;
    if (v->is_string()) {
      ok = contains(c.one_of, std::string(v->get_string()));
    } else if (v->is_array()) {
      for (auto& e : v->get_array())
        if (e.is_string() && contains(c.one_of, std::string(e.get_string()))) ok = true;
    } else if (v->is_bool()) {
      ok = contains(c.one_of, v->get_bool() ? "true" : "false");
    }
    if (!ok) return false;
  }
  return true;
}

Decision Engine::decide(const Subject& who, const Target& what, const ToolHints* hints) const {
  Decision d;
  if (what.kind == TargetKind::none) {
    d.outcome = Outcome::allow;
    d.rule = "none";
    d.reason = "method reaches no tool, resource or prompt";
    return d;
  }
  // The scope hierarchy is closed over only when the policy has one: a list of thousands of items
  // is judged with the same subject, and copying its scopes for each item was most of the cost.
  std::set<std::string> closure;
  if (!policy_.implies.empty()) closure = effective_scopes(who.scopes);
  const std::set<std::string>& scopes = policy_.implies.empty() ? who.scopes : closure;
  auto finish = [&](Decision dd, bool shadow_rule) {
    if (dd.outcome != Outcome::allow && (shadow_rule || policy_.shadow)) dd.shadowed = true;
    return dd;
  };

  auto rules = candidates(what);
  // 1. Deny rules first.
  for (auto i : rules) {
    auto& r = policy_.rules[i];
    if (!r.deny || !matches_target(r, what) || !conditions_hold(r, who)) continue;
    d.outcome = Outcome::forbidden;
    d.rule = r.id;
    d.reason = "denied by rule";
    // A shadow deny is recorded as the decision it would be, and the request passes.
    return finish(d, r.shadow);
  }
  // 2. The first allow rule that is met.
  const Rule* best_scope_miss = nullptr;
  std::vector<std::string> best_missing;
  const Rule* condition_miss = nullptr;
  for (auto i : rules) {
    auto& r = policy_.rules[i];
    if (r.deny || !matches_target(r, what)) continue;
    if (!conditions_hold(r, who)) {
      if (!condition_miss) condition_miss = &r;
      continue;
    }
    if (r.scopes.empty()) {
      d.outcome = Outcome::allow;
      d.rule = r.id;
      d.reason = "allowed by rule";
      return d;
    }
    for (auto& set : r.scopes) {
      std::vector<std::string> missing;
      for (auto& s : set)
        if (!scopes.count(s)) missing.push_back(s);
      if (missing.empty()) {
        d.outcome = Outcome::allow;
        d.rule = r.id;
        d.reason = "allowed by rule";
        return d;
      }
      if (!best_scope_miss || missing.size() < best_missing.size()) {
        best_scope_miss = &r;
        best_missing = set;  // the whole set: the client asks for all it needs
      }
    }
  }
  // 3. Why not.
  if (best_scope_miss) {
    d.outcome = Outcome::insufficient_scope;
    d.rule = best_scope_miss->id;
    d.reason = "missing scope";
    d.scopes = best_missing;
    return finish(d, best_scope_miss->shadow);
  }
  if (condition_miss) {
    d.outcome = Outcome::forbidden;
    d.rule = condition_miss->id;
    d.reason = "claim or client condition not met";
    return finish(d, condition_miss->shadow);
  }
  // 4. Defaults.
  if (what.kind == TargetKind::tool && policy_.read_only_hint_default) {
    auto& h = *policy_.read_only_hint_default;
    std::optional<bool> ro = hints ? hints->read_only(what.upstream, what.name) : std::nullopt;
    // Annotations are hints from the upstream: unknown means "may write" (fail closed).
    const std::string& need = ro.value_or(false) ? h.read_scope : h.write_scope;
    d.rule = "read-only-hint";
    if (scopes.count(need)) {
      d.outcome = Outcome::allow;
      d.reason = "allowed by the read-only-hint default";
      return d;
    }
    d.outcome = Outcome::insufficient_scope;
    d.reason = "missing scope";
    d.scopes = {need};
    return finish(d, false);
  }
  if (what.kind == TargetKind::method) {
    // An unknown method may do anything upstream: `default: allow` does not reach it.
    d.rule = "unknown-method";
    d.outcome = Outcome::forbidden;
    d.reason = "method named by no rule (fail closed)";
    return finish(d, false);
  }
  d.rule = "default";
  if (policy_.default_allow) {
    d.outcome = Outcome::allow;
    d.reason = "allowed by default";
    return d;
  }
  d.outcome = Outcome::forbidden;
  d.reason = "no rule allows it (default deny)";
  return finish(d, false);
}

Target target_of(const std::string& method, const json::object* params) {
  Target t;
  t.method = method;
  auto str = [&](const json::object* o, const char* key) -> std::string {
    if (!o) return {};
    auto* v = o->if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  if (method == "tools/call") {
    t.kind = TargetKind::tool;
    t.name = str(params, "name");
  } else if (method == "resources/read" || method == "resources/subscribe" || method == "resources/unsubscribe") {
    t.kind = TargetKind::resource;
    t.name = str(params, "uri");
  } else if (method == "prompts/get") {
    t.kind = TargetKind::prompt;
    t.name = str(params, "name");
  } else if (method == "completion/complete") {
    const json::object* ref = nullptr;
    if (params)
      if (auto* r = params->if_contains("ref"); r && r->is_object()) ref = &r->get_object();
    auto type = str(ref, "type");
    if (type == "ref/prompt") {
      t.kind = TargetKind::prompt;
      t.name = str(ref, "name");
    } else if (type == "ref/resource") {
      t.kind = TargetKind::resource;
      t.name = str(ref, "uri");
    } else {
      // An unknown reference kind reaches something we cannot name: judged as a prompt with an
      // empty name, which no allow pattern but "*" matches (fail closed).
      t.kind = TargetKind::prompt;
    }
  } else if (method_class(method, false) == MethodClass::unknown &&
             method_class(method, true) != MethodClass::authentication_only) {
    // Neither a request nor a client notification of the specification.
    t.kind = TargetKind::method;
    t.name = method;
  }
  return t;
}

}  // namespace mcpgate::policy
