#include "config/server_config.hpp"

#include <set>

#include "config/auth_config.hpp"
#include "config/policy_config.hpp"
#include "config/upstream_config.hpp"

namespace mcpgate::config {

Endpoint read_server(const YamlReader& r, const YAML::Node& n, const std::string& key) {
  r.only_keys(n, key, {"name", "path", "upstreams", "auth", "policy"});
  Endpoint e;
  if (!n["name"]) r.error(n, key + ".name", "is required");
  e.name = r.str(n["name"], key + ".name");
  if (!n["path"]) r.error(n, key + ".path", "is required");
  e.path = r.str(n["path"], key + ".path");
  if (e.path.empty() || e.path.front() != '/') r.error(n["path"], key + ".path", "must start with /");
  if (e.path.size() > 1 && e.path.back() == '/') r.error(n["path"], key + ".path", "must not end with /");
  if (e.path.starts_with("/.well-known")) r.error(n["path"], key + ".path", "/.well-known is reserved");
  if (!n["upstreams"] || !n["upstreams"].IsSequence() || n["upstreams"].size() == 0)
    r.error(n, key + ".upstreams", "needs at least one upstream");
  std::set<std::string> names, prefixes;
  for (std::size_t i = 0; i < n["upstreams"].size(); ++i) {
    auto k = key + ".upstreams[" + std::to_string(i) + "]";
    auto u = read_upstream(r, n["upstreams"][i], k);
    if (!names.insert(u.name).second) r.error(n["upstreams"][i], k + ".name", "duplicate upstream name");
    e.upstreams.push_back(std::move(u));
  }
  if (e.upstreams.size() > 1) {
    for (std::size_t i = 0; i < e.upstreams.size(); ++i) {
      auto& u = e.upstreams[i];
      if (u.prefix.empty()) u.prefix = u.name + "_";
      // Routing depends on prefixes being unambiguous: no prefix may start another.
      for (auto& p : prefixes)
        if (p.starts_with(u.prefix) || u.prefix.starts_with(p))
          r.error(n["upstreams"][i], key + ".upstreams[" + std::to_string(i) + "].prefix",
                  "prefix '" + u.prefix + "' overlaps '" + p + "'");
      prefixes.insert(u.prefix);
    }
  }
  if (!n["auth"])
    r.error(n, key + ".auth", "is required (issuers, or `anonymous: true` to serve without authorization)");
  e.auth = read_auth(r, n["auth"], key + ".auth");
  if (n["policy"]) e.policy = read_policy(r, n["policy"], key + ".policy");
  return e;
}

}  // namespace mcpgate::config
