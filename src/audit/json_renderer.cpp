#include "audit/json_renderer.hpp"

#include <boost/json.hpp>

namespace mcpgate::audit {
namespace json = boost::json;

json::object to_json(const EndpointReport& r) {
  json::array checks;
  for (auto& f : r.findings) {
    json::object c{{"id", f.id},
                   {"group", group_of(f.id)},
                   {"verdict", to_string(f.verdict)},
                   {"summary", f.summary},
                   {"spec", f.spec}};
    if (!f.fix.empty()) c["fix"] = f.fix;
    checks.push_back(std::move(c));
  }
  json::object o{{"url", r.url},
                 {"reachable", r.reachable},
                 {"verdict", r.reachable ? to_string(worst(r)) : "unreachable"},
                 {"anonymous_access", r.anonymous_access},
                 {"requests", r.requests},
                 {"request_budget", r.request_budget},
                 {"budget_exhausted", r.budget_exhausted},
                 {"checks", std::move(checks)}};
  if (!r.reachable) o["error"] = r.error;
  return o;
}

json::object to_json(const std::vector<EndpointReport>& reports) {
  json::array endpoints;
  std::size_t anonymous = 0, unreachable = 0;
  for (auto& r : reports) {
    endpoints.push_back(to_json(r));
    anonymous += r.anonymous_access ? 1 : 0;
    unreachable += r.reachable ? 0 : 1;
  }
  return json::object{{"schema_version", kSchemaVersion},
                      {"tool", "mcpgate audit"},
                      {"summary", json::object{{"endpoints", reports.size()},
                                               {"unauthenticated", anonymous},
                                               {"unreachable", unreachable},
                                               {"exit_code", exit_code(reports)},
                                               {"line", unauthenticated_summary(reports)}}},
                      {"endpoints", std::move(endpoints)}};
}

}  // namespace mcpgate::audit
