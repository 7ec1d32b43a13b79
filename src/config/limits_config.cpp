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

}  // namespace mcpgate::config
