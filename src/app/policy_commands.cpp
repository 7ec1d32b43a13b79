#include "app/policy_commands.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <filesystem>
#include <iostream>

#include "config/gateway_config.hpp"
#include "policy/canonical_name.hpp"
#include "policy/policy.hpp"

using namespace mcpgate;
namespace json = boost::json;

namespace {

// The subject a token with these claims would be (the same reading as token validation:
// `scope` space-delimited, else `scp`; client_id, else azp).
policy::Subject subject_from_claims(const json::object& claims) {
  policy::Subject s;
  auto str = [&](const char* k) -> std::string {
    auto* v = claims.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  s.issuer = str("iss");
  s.subject = str("sub");
  s.client_id = str("client_id");
  if (s.client_id.empty()) s.client_id = str("azp");
  if (auto* sc = claims.if_contains("scope"); sc && sc->is_string()) {
    std::string_view v = sc->get_string();
    std::size_t start = 0;
    while (start < v.size()) {
      auto sp = v.find(' ', start);
      auto word = v.substr(start, sp == std::string_view::npos ? std::string_view::npos : sp - start);
      if (!word.empty()) s.scopes.insert(std::string(word));
      if (sp == std::string_view::npos) break;
      start = sp + 1;
    }
  } else if (auto* scp = claims.if_contains("scp"); scp && scp->is_array()) {
    for (auto& e : scp->get_array())
      if (e.is_string()) s.scopes.insert(std::string(e.get_string()));
  }
  s.claims = claims;
  return s;
}

const config::Endpoint* pick_endpoint(const config::Gateway& g, const std::string& path, std::string& error) {
  if (path.empty()) {
    if (g.servers.size() == 1) return &g.servers[0];
    error = "the configuration has several endpoints: name one with --endpoint";
    return nullptr;
  }
  for (auto& e : g.servers)
    if (e.path == path) return &e;
  error = "no endpoint with path " + path;
  return nullptr;
}

policy::Decision decide(const config::Endpoint& e, const policy::Subject& s, const std::string& method,
                        const std::string& name, const std::string& upstream) {
  json::object params;
  if (method == "resources/read" || method == "resources/subscribe" || method == "resources/unsubscribe")
    params["uri"] = name;
  else
    params["name"] = name;
  auto t = policy::target_of(method, &params);
  t.upstream = upstream.empty() ? e.upstreams.front().name : upstream;
  if (t.kind == policy::TargetKind::tool || t.kind == policy::TargetKind::prompt ||
      t.kind == policy::TargetKind::resource) {
    // As the gateway does: judged in canonical form, refused when there is none.
    auto c = t.kind == policy::TargetKind::resource ? policy::canonical_uri(t.name) : policy::canonical_name(t.name);
    if (!c) {
      policy::Decision d;
      d.rule = "canonical-form";
      d.reason = std::string("refused before the policy: ") + policy::describe(c.error());
      return d;
    }
    t.name = *c;
  }
  if (!e.policy) {
    policy::Decision d;
    d.outcome = policy::Outcome::allow;
    d.rule = "no-policy";
    d.reason = "no policy configured";
    return d;
  }
  return policy::Engine(*e.policy).decide(s, t);
}

std::string describe(const policy::Decision& d) {
  std::string out = d.allowed() && d.outcome == policy::Outcome::allow ? "allow" : d.shadowed ? "shadow-deny" : "deny";
  out += " (" + std::string(policy::outcome_name(d.outcome)) + ") rule=" + d.rule + " reason=\"" + d.reason + "\"";
  if (!d.scopes.empty()) {
    out += " needs=";
    for (std::size_t i = 0; i < d.scopes.size(); ++i) out += (i ? " " : "") + d.scopes[i];
  }
  return out;
}

struct ExplainArgs {
  std::string config, claims = "{}", method = "tools/call", name, endpoint, upstream;
};
struct TestArgs {
  std::string file;
};

int run_explain(const ExplainArgs& a) {
  auto cfg = config::load_gateway_config(a.config);
  if (!cfg) {
    std::cerr << cfg.error().message << "\n";
    return 2;
  }
  std::string error;
  auto* e = pick_endpoint(*cfg, a.endpoint, error);
  if (!e) {
    std::cerr << error << "\n";
    return 2;
  }
  json::error_code ec;
  auto claims = json::parse(a.claims, ec);
  if (ec || !claims.is_object()) {
    std::cerr << "--claims must be a JSON object\n";
    return 2;
  }
  auto d = decide(*e, subject_from_claims(claims.as_object()), a.method, a.name, a.upstream);
  std::cout << a.method << " " << a.name << ": " << describe(d) << "\n";
  return 0;
}

json::value yaml_to_json(const YAML::Node& n) {
  if (n.IsMap()) {
    json::object o;
    for (auto it = n.begin(); it != n.end(); ++it) o[it->first.as<std::string>()] = yaml_to_json(it->second);
    return o;
  }
  if (n.IsSequence()) {
    json::array a;
    for (auto x : n) a.push_back(yaml_to_json(x));
    return a;
  }
  if (n.IsNull()) return nullptr;
  return json::value(n.as<std::string>());
}

int run_test(const TestArgs& a) {
  YAML::Node table;
  try {
    table = YAML::LoadFile(a.file);
  } catch (const YAML::Exception& e) {
    std::cerr << a.file << ":" << e.mark.line + 1 << ": " << e.msg << "\n";
    return 2;
  }
  if (!table["config"] || !table["cases"] || !table["cases"].IsSequence()) {
    std::cerr << a.file << ": needs `config:` and a list of `cases:`\n";
    return 2;
  }
  auto config_path = std::filesystem::path(a.file).parent_path() / table["config"].as<std::string>();
  auto cfg = config::load_gateway_config(config_path.string());
  if (!cfg) {
    std::cerr << cfg.error().message << "\n";
    return 2;
  }
  std::string error;
  auto* e = pick_endpoint(*cfg, table["endpoint"] ? table["endpoint"].as<std::string>() : "", error);
  if (!e) {
    std::cerr << error << "\n";
    return 2;
  }
  int passed = 0, failed = 0;
  for (std::size_t i = 0; i < table["cases"].size(); ++i) {
    auto c = table["cases"][i];
    std::string label = c["name"] ? c["name"].as<std::string>() : "case " + std::to_string(i + 1);
    json::object claims;
    if (c["claims"]) {
      auto j = yaml_to_json(c["claims"]);
      if (j.is_object()) claims = j.as_object();
    }
    // Integer-looking YAML scalars arrive as strings; scopes and names are strings anyway.
    std::string method = c["method"] ? c["method"].as<std::string>() : "tools/call";
    std::string name = c["name_of_target"] ? c["name_of_target"].as<std::string>()
                       : c["tool"]         ? c["tool"].as<std::string>()
                       : c["resource"]     ? c["resource"].as<std::string>()
                       : c["prompt"]       ? c["prompt"].as<std::string>()
                                           : "";
    if (c["resource"] && !c["method"]) method = "resources/read";
    if (c["prompt"] && !c["method"]) method = "prompts/get";
    std::string upstream = c["upstream"] ? c["upstream"].as<std::string>() : "";
    std::string expect = c["expect"] ? c["expect"].as<std::string>() : "allow";
    auto d = decide(*e, subject_from_claims(claims), method, name, upstream);
    bool ok;
    if (expect == "allow")
      ok = d.outcome == policy::Outcome::allow;
    else if (expect == "deny")
      ok = d.outcome != policy::Outcome::allow;
    else if (expect == "insufficient_scope")
      ok = d.outcome == policy::Outcome::insufficient_scope;
    else if (expect == "forbidden")
      ok = d.outcome == policy::Outcome::forbidden;
    else if (expect == "shadow-deny")
      ok = d.outcome != policy::Outcome::allow && d.shadowed;
    else {
      std::cerr << a.file << ": " << label
                << ": expect must be allow, deny, insufficient_scope, forbidden or shadow-deny\n";
      return 2;
    }
    if (ok && c["rule"]) ok = d.rule == c["rule"].as<std::string>();
    if (ok && c["scopes"]) {
      std::vector<std::string> want;
      for (auto s : c["scopes"]) want.push_back(s.as<std::string>());
      ok = want == d.scopes;
    }
    if (ok) {
      ++passed;
    } else {
      ++failed;
      std::cout << "FAIL " << label << ": " << method << " " << name << " expected " << expect
                << (c["rule"] ? " rule=" + c["rule"].as<std::string>() : "") << ", got " << describe(d) << "\n";
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed ? 1 : 0;
}

}  // namespace

void add_policy_commands(CLI::App& app, int& exit_code) {
  auto* policy = app.add_subcommand("policy", "Ask a configuration's policy offline");
  policy->require_subcommand(1);
  static ExplainArgs explain;
  auto* ex = policy->add_subcommand("explain", "Print the decision and the rule for one request");
  ex->add_option("-c,--config", explain.config, "Configuration file")->required();
  ex->add_option("--claims", explain.claims, "The token's claims as JSON (iss, sub, client_id, scope, groups, …)");
  ex->add_option("--method", explain.method, "JSON-RPC method (tools/call, resources/read, prompts/get, …)");
  ex->add_option("--name", explain.name, "Tool or prompt name, or resource URI")->required();
  ex->add_option("--endpoint", explain.endpoint, "Endpoint path when there are several");
  ex->add_option("--upstream", explain.upstream, "Upstream name (default: the endpoint's first)");
  ex->callback([&exit_code] { exit_code = run_explain(explain); });
  static TestArgs test;
  auto* t = policy->add_subcommand("test", "Run a table of expected decisions; exits non-zero if any differs");
  t->add_option("file", test.file, "Table (YAML): config, endpoint, cases")->required();
  t->callback([&exit_code] { exit_code = run_test(test); });
}
