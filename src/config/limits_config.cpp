#include "config/limits_config.hpp"

#include <algorithm>

namespace mcpgate::config {
namespace {

RateLimit read_rate(const YamlReader& r, const YAML::Node& n, const std::string& key, RateLimit dflt) {
  RateLimit out = dflt;
  if (n["requests_per_second"]) out.per_second = r.real(n["requests_per_second"], key + ".requests_per_second", 0, 1e9);
  if (n["burst"]) out.burst = r.real(n["burst"], key + ".burst", 1, 1e9);
  // Without a burst of its own, a new rate allows one second's worth at once (at least one).
  if (out.enabled() && !n["burst"] && !dflt.enabled()) out.burst = std::max(1.0, out.per_second);
  return out;
}

}  // namespace

void read_per_principal(const YamlReader& r, const YAML::Node& n, const std::string& key, PrincipalLimits& out) {
  r.only_keys(n, key,
              {"max_sessions", "max_concurrent_requests", "requests_per_second", "burst", "tool_calls",
               "max_principals", "idle_expiry_ms"});
  if (n["max_sessions"]) out.max_sessions = r.number(n["max_sessions"], key + ".max_sessions", 0, 10'000'000);
  if (n["max_concurrent_requests"])
    out.max_concurrent_requests =
        r.number(n["max_concurrent_requests"], key + ".max_concurrent_requests", 0, 10'000'000);
  out.requests = read_rate(r, n, key, out.requests);
  if (auto t = n["tool_calls"]) {
    auto k = key + ".tool_calls";
    r.only_keys(t, k, {"requests_per_second", "burst", "overrides"});
    out.tool_calls = read_rate(r, t, k, out.tool_calls);
    if (auto o = t["overrides"]) {
      if (!o.IsSequence()) r.error(o, k + ".overrides", "must be a list");
      for (std::size_t i = 0; i < o.size(); ++i) {
        auto ki = k + ".overrides[" + std::to_string(i) + "]";
        r.only_keys(o[i], ki, {"tools", "requests_per_second", "burst"});
        ToolRate tr;
        if (!o[i]["tools"]) r.error(o[i], ki + ".tools", "is required");
        tr.tools = o[i]["tools"].IsScalar() ? std::vector<std::string>{r.str(o[i]["tools"], ki + ".tools")}
                                            : r.strings(o[i]["tools"], ki + ".tools");
        if (tr.tools.empty()) r.error(o[i]["tools"], ki + ".tools", "must not be empty");
        if (!o[i]["requests_per_second"]) r.error(o[i], ki + ".requests_per_second", "is required");
        tr.rate = read_rate(r, o[i], ki, RateLimit{});
        out.tool_overrides.push_back(std::move(tr));
      }
    }
  }
  if (n["max_principals"]) out.max_principals = r.number(n["max_principals"], key + ".max_principals", 1, 100'000'000);
  if (n["idle_expiry_ms"])
    out.idle_expiry =
        std::chrono::milliseconds(r.number(n["idle_expiry_ms"], key + ".idle_expiry_ms", 1000, 86'400'000));
}

void read_limits(const YamlReader& r, const YAML::Node& n, Limits& l) {
  r.only_keys(n, "limits",
              {"max_body_bytes", "max_header_bytes", "request_timeout_ms", "idle_timeout_ms", "max_connections",
               "max_sessions", "session_idle_timeout_ms", "per_principal", "tasks"});
  if (n["max_body_bytes"]) l.max_body_bytes = r.number(n["max_body_bytes"], "limits.max_body_bytes", 1024, 1ull << 30);
  if (n["max_header_bytes"])
    l.max_header_bytes = r.number(n["max_header_bytes"], "limits.max_header_bytes", 1024, 1 << 20);
  if (n["request_timeout_ms"])
    l.request_timeout =
        std::chrono::milliseconds(r.number(n["request_timeout_ms"], "limits.request_timeout_ms", 100, 3'600'000));
  if (n["idle_timeout_ms"])
    l.idle_timeout =
        std::chrono::milliseconds(r.number(n["idle_timeout_ms"], "limits.idle_timeout_ms", 100, 3'600'000));
  if (n["max_connections"]) l.max_connections = r.number(n["max_connections"], "limits.max_connections", 1, 1'000'000);
  if (n["max_sessions"]) l.max_sessions = r.number(n["max_sessions"], "limits.max_sessions", 1, 10'000'000);
  if (n["session_idle_timeout_ms"])
    l.session_idle_timeout = std::chrono::milliseconds(
        r.number(n["session_idle_timeout_ms"], "limits.session_idle_timeout_ms", 1000, 86'400'000));
  if (n["per_principal"]) read_per_principal(r, n["per_principal"], "limits.per_principal", l.per_principal);
  if (auto t = n["tasks"]) {
    r.only_keys(t, "limits.tasks", {"max_tasks", "max_per_principal", "max_ttl_ms"});
    if (t["max_tasks"]) l.tasks.max_tasks = r.number(t["max_tasks"], "limits.tasks.max_tasks", 1, 100'000'000);
    if (t["max_per_principal"])
      l.tasks.max_per_principal = r.number(t["max_per_principal"], "limits.tasks.max_per_principal", 1, 100'000'000);
    if (t["max_ttl_ms"])
      l.tasks.max_ttl =
          std::chrono::milliseconds(r.number(t["max_ttl_ms"], "limits.tasks.max_ttl_ms", 1000, 30 * 86'400'000ll));
  }
}

}  // namespace mcpgate::config
