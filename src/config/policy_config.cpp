#include "config/policy_config.hpp"

#include <set>

#include "policy/method_table.hpp"

namespace mcpgate::config {
namespace {

policy::Rule read_rule(const YamlReader& reader, const YAML::Node& n, const std::string& key, std::size_t index) {
  reader.only_keys(n, key,
                   {"id", "effect", "shadow", "methods", "tools", "resources", "prompts", "upstreams", "scopes",
                    "any_scopes", "claims", "clients"});
  policy::Rule r;
  r.id = n["id"] ? reader.str(n["id"], key + ".id") : "rule-" + std::to_string(index + 1);
  if (n["effect"]) {
    auto e = reader.str(n["effect"], key + ".effect");
    if (e == "deny")
      r.deny = true;
    else if (e != "allow")
      reader.error(n["effect"], key + ".effect", "must be allow or deny");
  }
  if (n["shadow"]) r.shadow = reader.boolean(n["shadow"], key + ".shadow");
  if (n["methods"]) r.methods = reader.one_or_many(n["methods"], key + ".methods");
  if (n["tools"]) r.tools = reader.one_or_many(n["tools"], key + ".tools");
  if (n["resources"]) r.resources = reader.one_or_many(n["resources"], key + ".resources");
  if (n["prompts"]) r.prompts = reader.one_or_many(n["prompts"], key + ".prompts");
  if (n["upstreams"]) r.upstreams = reader.one_or_many(n["upstreams"], key + ".upstreams");
  if (r.tools.empty() && r.resources.empty() && r.prompts.empty()) {
    if (r.methods.empty()) reader.error(n, key, "needs tools, resources, prompts or methods to match");
    // A rule with methods alone governs methods outside the specification's table; for a method
    // that reaches a tool, resource or prompt, or one governed by authentication, it would
    // silently match nothing.
    for (auto& m : r.methods)
      if (policy::method_class(m, false) != policy::MethodClass::unknown ||
          policy::method_class(m, true) == policy::MethodClass::authentication_only)
        reader.error(n["methods"], key + ".methods",
                     "'" + m +
                         "' is a method of the specification: a rule with methods alone names other methods "
                         "(give tools, resources or prompts to match it)");
  }
  if (n["scopes"] && n["any_scopes"])
    reader.error(n, key, "give scopes (all of) or any_scopes (one of several sets), not both");
  if (n["scopes"]) r.scopes.push_back(reader.one_or_many(n["scopes"], key + ".scopes"));
  if (auto any = n["any_scopes"]) {
    if (!any.IsSequence()) reader.error(any, key + ".any_scopes", "must be a list of scope lists");
    for (std::size_t i = 0; i < any.size(); ++i)
      r.scopes.push_back(reader.one_or_many(any[i], key + ".any_scopes[" + std::to_string(i) + "]"));
  }
  if (auto c = n["claims"]) {
    if (!c.IsMap()) reader.error(c, key + ".claims", "must map claim names to a value or a list of values");
    for (auto it = c.begin(); it != c.end(); ++it) {
      auto name = it->first.as<std::string>();
      r.claims.push_back(policy::ClaimCondition{name, reader.one_or_many(it->second, key + ".claims." + name)});
    }
  }
  if (n["clients"]) r.clients = reader.one_or_many(n["clients"], key + ".clients");
  if (r.deny && !r.scopes.empty())
    reader.error(n, key + ".scopes", "a deny rule has no scopes (it matches by target, claims and clients)");
  return r;
}

}  // namespace

policy::Policy read_policy(const YamlReader& reader, const YAML::Node& n, const std::string& key) {
  reader.only_keys(n, key, {"default", "shadow", "scope_hierarchy", "read_only_hint_default", "rules"});
  policy::Policy p;
  if (n["default"]) {
    auto d = reader.str(n["default"], key + ".default");
    if (d == "allow")
      p.default_allow = true;
    else if (d != "deny")
      reader.error(n["default"], key + ".default", "must be deny or allow");
  }
  if (n["shadow"]) p.shadow = reader.boolean(n["shadow"], key + ".shadow");
  if (auto h = n["scope_hierarchy"]) {
    if (!h.IsMap()) reader.error(h, key + ".scope_hierarchy", "must map a scope to the scopes it includes");
    for (auto it = h.begin(); it != h.end(); ++it) {
      auto s = it->first.as<std::string>();
      p.implies[s] = reader.one_or_many(it->second, key + ".scope_hierarchy." + s);
    }
  }
  if (auto r = n["read_only_hint_default"]) {
    policy::ReadOnlyHintDefault d;
    if (r.IsMap()) {
      reader.only_keys(r, key + ".read_only_hint_default", {"read_scope", "write_scope"});
      if (r["read_scope"]) d.read_scope = reader.str(r["read_scope"], key + ".read_only_hint_default.read_scope");
      if (r["write_scope"]) d.write_scope = reader.str(r["write_scope"], key + ".read_only_hint_default.write_scope");
      p.read_only_hint_default = d;
    } else if (reader.boolean(r, key + ".read_only_hint_default")) {
      p.read_only_hint_default = d;
    }
  }
  if (auto rs = n["rules"]) {
    if (!rs.IsSequence()) reader.error(rs, key + ".rules", "must be a list");
    std::set<std::string> ids;
    for (std::size_t i = 0; i < rs.size(); ++i) {
      auto k = key + ".rules[" + std::to_string(i) + "]";
      auto r = read_rule(reader, rs[i], k, i);
      if (!ids.insert(r.id).second) reader.error(rs[i], k + ".id", "duplicate rule id " + r.id);
      p.rules.push_back(std::move(r));
    }
  }
  return p;
}

}  // namespace mcpgate::config
