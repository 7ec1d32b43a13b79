#include "config/gateway_config.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/url/parse.hpp>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace mcpgate::config {
namespace {

// Config errors are start-up errors: one exception type carries the message out of the walk.
struct ConfigError {
  std::string message;
};

class Walker {
 public:
  explicit Walker(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void error(const YAML::Node& n, const std::string& key, const std::string& what) const {
    std::ostringstream o;
    o << source_;
    if (n.IsDefined() && n.Mark().line >= 0) o << ":" << n.Mark().line + 1 << ":" << n.Mark().column + 1;
    o << ": " << key << ": " << what;
    throw ConfigError{o.str()};
  }

  void only_keys(const YAML::Node& n, const std::string& where, std::initializer_list<const char*> allowed) const {
    if (!n.IsMap()) error(n, where, "must be a mapping");
    std::set<std::string> ok(allowed.begin(), allowed.end());
    for (auto it = n.begin(); it != n.end(); ++it) {
      auto k = it->first.as<std::string>();
      // A misspelt key must not silently fall back to a default (think `anonymus: false`).
      if (!ok.count(k)) error(it->first, where.empty() ? k : where + "." + k, "unknown key");
    }
  }

  std::string str(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) error(n, key, "must be a string");
    return n.as<std::string>();
  }
  bool boolean(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) error(n, key, "must be true or false");
    bool v;
    if (!YAML::convert<bool>::decode(n, v)) error(n, key, "must be true or false");
    return v;
  }
  std::uint64_t number(const YAML::Node& n, const std::string& key, std::uint64_t min, std::uint64_t max) const {
    if (!n.IsScalar()) error(n, key, "must be a number");
    auto s = n.as<std::string>();
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) error(n, key, "must be a whole number");
    if (v < min || v > max)
      error(n, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v;
  }
  std::vector<std::string> strings(const YAML::Node& n, const std::string& key) const {
    if (!n.IsSequence()) error(n, key, "must be a list of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n.size(); ++i) out.push_back(str(n[i], key + "[" + std::to_string(i) + "]"));
    return out;
  }
  std::map<std::string, std::string> string_map(const YAML::Node& n, const std::string& key) const {
    if (!n.IsMap()) error(n, key, "must be a mapping of strings");
    std::map<std::string, std::string> out;
    for (auto it = n.begin(); it != n.end(); ++it) {
      auto k = it->first.as<std::string>();
      out[k] = str(it->second, key + "." + k);
    }
    return out;
  }

  Gateway gateway(const YAML::Node& root) const;

 private:
  Upstream upstream(const YAML::Node& n, const std::string& key) const;
  Endpoint endpoint(const YAML::Node& n, const std::string& key) const;
  void limits(const YAML::Node& n, Limits& l) const;
  std::string source_;
};

Upstream Walker::upstream(const YAML::Node& n, const std::string& key) const {
  only_keys(n, key, {"name", "prefix", "stdio", "http", "request_timeout_ms", "restart_backoff_max_ms",
                     "max_concurrent_requests"});
  Upstream u;
  if (!n["name"]) error(n, key + ".name", "is required");
  u.name = str(n["name"], key + ".name");
  if (n["prefix"]) u.prefix = str(n["prefix"], key + ".prefix");
  if (n["request_timeout_ms"])
    u.request_timeout = std::chrono::milliseconds(number(n["request_timeout_ms"], key + ".request_timeout_ms", 100, 86'400'000));
  if (n["restart_backoff_max_ms"])
    u.restart_backoff_max =
        std::chrono::milliseconds(number(n["restart_backoff_max_ms"], key + ".restart_backoff_max_ms", 0, 3'600'000));
  if (n["max_concurrent_requests"])
    u.max_concurrent_requests = number(n["max_concurrent_requests"], key + ".max_concurrent_requests", 1, 1'000'000);
  if (n["stdio"] && n["http"]) error(n, key, "give either stdio or http, not both");
  if (auto s = n["stdio"]) {
    std::string k = key + ".stdio";
    only_keys(s, k, {"command", "env", "cwd", "mode"});
    StdioUpstream st;
    if (!s["command"]) error(s, k + ".command", "is required");
    st.command = strings(s["command"], k + ".command");
    if (st.command.empty()) error(s["command"], k + ".command", "must not be empty");
    if (s["env"]) st.env = string_map(s["env"], k + ".env");
    if (s["cwd"]) st.cwd = str(s["cwd"], k + ".cwd");
    if (s["mode"]) {
      auto m = str(s["mode"], k + ".mode");
      if (m == "per_session") st.mode = StdioUpstream::Mode::per_session;
      else if (m == "shared") st.mode = StdioUpstream::Mode::shared;
      else error(s["mode"], k + ".mode", "must be per_session or shared");
    }
    u.stdio = std::move(st);
  } else if (auto h = n["http"]) {
    std::string k = key + ".http";
    only_keys(h, k, {"url", "headers"});
    HttpUpstream hu;
    if (!h["url"]) error(h, k + ".url", "is required");
    hu.url = str(h["url"], k + ".url");
    auto parsed = boost::urls::parse_absolute_uri(hu.url);
    if (!parsed) error(h["url"], k + ".url", "is not an absolute URL");
    if (parsed->scheme() != "http")
      error(h["url"], k + ".url", "only http:// upstreams are supported (terminate TLS in front of the upstream)");
    hu.host = std::string(parsed->host_address());
    if (hu.host.size() > 2 && hu.host.front() == '[') hu.host = hu.host.substr(1, hu.host.size() - 2);
    hu.port = parsed->has_port() ? parsed->port_number() : 80;
    hu.target = std::string(parsed->encoded_path());
    if (hu.target.empty()) hu.target = "/";
    if (parsed->has_query()) hu.target += "?" + std::string(parsed->encoded_query());
    if (h["headers"]) hu.headers = string_map(h["headers"], k + ".headers");
    u.http = std::move(hu);
  } else {
    error(n, key, "needs stdio or http");
  }
  return u;
}

Endpoint Walker::endpoint(const YAML::Node& n, const std::string& key) const {
  only_keys(n, key, {"name", "path", "upstreams", "auth"});
  Endpoint e;
  if (!n["name"]) error(n, key + ".name", "is required");
  e.name = str(n["name"], key + ".name");
  if (!n["path"]) error(n, key + ".path", "is required");
  e.path = str(n["path"], key + ".path");
  if (e.path.empty() || e.path.front() != '/') error(n["path"], key + ".path", "must start with /");
  if (e.path.size() > 1 && e.path.back() == '/') error(n["path"], key + ".path", "must not end with /");
  if (e.path.starts_with("/.well-known")) error(n["path"], key + ".path", "/.well-known is reserved");
  if (!n["upstreams"] || !n["upstreams"].IsSequence() || n["upstreams"].size() == 0)
    error(n, key + ".upstreams", "needs at least one upstream");
  std::set<std::string> names, prefixes;
  for (std::size_t i = 0; i < n["upstreams"].size(); ++i) {
    auto k = key + ".upstreams[" + std::to_string(i) + "]";
    auto u = upstream(n["upstreams"][i], k);
    if (!names.insert(u.name).second) error(n["upstreams"][i], k + ".name", "duplicate upstream name");
    e.upstreams.push_back(std::move(u));
  }
  if (e.upstreams.size() > 1) {
    for (std::size_t i = 0; i < e.upstreams.size(); ++i) {
      auto& u = e.upstreams[i];
      if (u.prefix.empty()) u.prefix = u.name + "_";
      // Routing depends on prefixes being unambiguous: no prefix may start another.
      for (auto& p : prefixes)
        if (p.starts_with(u.prefix) || u.prefix.starts_with(p))
          error(n["upstreams"][i], key + ".upstreams[" + std::to_string(i) + "].prefix",
                "prefix '" + u.prefix + "' overlaps '" + p + "'");
      prefixes.insert(u.prefix);
    }
  }
  if (!n["auth"]) error(n, key + ".auth", "is required (token validation, or `anonymous: true` to serve without authorization)");
  auto a = n["auth"];
  only_keys(a, key + ".auth", {"anonymous"});
  if (a["anonymous"]) e.auth.anonymous = boolean(a["anonymous"], key + ".auth.anonymous");
  if (!e.auth.anonymous)
    error(a, key + ".auth", "token validation is not available in this build; set anonymous: true explicitly");
  return e;
}

void Walker::limits(const YAML::Node& n, Limits& l) const {
  only_keys(n, "limits", {"max_body_bytes", "max_header_bytes", "request_timeout_ms", "idle_timeout_ms",
                          "max_connections", "max_sessions", "session_idle_timeout_ms"});
  if (n["max_body_bytes"]) l.max_body_bytes = number(n["max_body_bytes"], "limits.max_body_bytes", 1024, 1ull << 30);
  if (n["max_header_bytes"])
    l.max_header_bytes = number(n["max_header_bytes"], "limits.max_header_bytes", 1024, 1 << 20);
  if (n["request_timeout_ms"])
    l.request_timeout = std::chrono::milliseconds(number(n["request_timeout_ms"], "limits.request_timeout_ms", 100, 3'600'000));
  if (n["idle_timeout_ms"])
    l.idle_timeout = std::chrono::milliseconds(number(n["idle_timeout_ms"], "limits.idle_timeout_ms", 100, 3'600'000));
  if (n["max_connections"]) l.max_connections = number(n["max_connections"], "limits.max_connections", 1, 1'000'000);
  if (n["max_sessions"]) l.max_sessions = number(n["max_sessions"], "limits.max_sessions", 1, 10'000'000);
  if (n["session_idle_timeout_ms"])
    l.session_idle_timeout =
        std::chrono::milliseconds(number(n["session_idle_timeout_ms"], "limits.session_idle_timeout_ms", 1000, 86'400'000));
}

Gateway Walker::gateway(const YAML::Node& root) const {
  only_keys(root, "", {"listen", "public_url", "threads", "allowed_origins", "allowed_hosts", "limits", "servers"});
  Gateway g;
  g.source = source_;
  if (root["listen"]) {
    auto l = parse_listen(str(root["listen"], "listen"));
    if (!l) error(root["listen"], "listen", l.error().message);
    g.listen_host = l->first;
    g.listen_port = l->second;
  }
  if (root["public_url"]) {
    g.public_url = str(root["public_url"], "public_url");
    auto u = boost::urls::parse_absolute_uri(g.public_url);
    if (!u || (u->scheme() != "http" && u->scheme() != "https"))
      error(root["public_url"], "public_url", "must be an absolute http(s) URL");
    if (!g.public_url.empty() && g.public_url.back() == '/') g.public_url.pop_back();
  }
  if (root["threads"]) g.threads = static_cast<unsigned>(number(root["threads"], "threads", 0, 256));
  if (root["allowed_origins"]) g.allowed_origins = strings(root["allowed_origins"], "allowed_origins");
  if (root["allowed_hosts"]) g.allowed_hosts = strings(root["allowed_hosts"], "allowed_hosts");
  if (root["limits"]) limits(root["limits"], g.limits);
  if (!root["servers"] || !root["servers"].IsSequence() || root["servers"].size() == 0)
    error(root, "servers", "needs at least one server");
  std::set<std::string> paths, names;
  for (std::size_t i = 0; i < root["servers"].size(); ++i) {
    auto k = "servers[" + std::to_string(i) + "]";
    auto e = endpoint(root["servers"][i], k);
    if (!paths.insert(e.path).second) error(root["servers"][i], k + ".path", "duplicate path");
    if (!names.insert(e.name).second) error(root["servers"][i], k + ".name", "duplicate name");
    g.servers.push_back(std::move(e));
  }
  if (g.public_url.empty()) {
    std::string host = g.listen_host.find(':') != std::string::npos ? "[" + g.listen_host + "]" : g.listen_host;
    g.public_url = "http://" + host + ":" + std::to_string(g.listen_port);
  }
  return g;
}

}  // namespace

Result<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return fail("must be HOST:PORT");
  std::string host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']') return fail("IPv6 address must be in brackets");
    host = host.substr(1, host.size() - 2);
  }
  std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port > 65535) return fail("bad port");
  return std::make_pair(host, static_cast<std::uint16_t>(port));
}

Result<Gateway> parse_gateway_config(const std::string& yaml_text, const std::string& source) {
  try {
    YAML::Node root = YAML::Load(yaml_text);
    return Walker(source).gateway(root);
  } catch (const ConfigError& e) {
    return fail(e.message);
  } catch (const YAML::Exception& e) {
    return fail(source + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Result<Gateway> load_gateway_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_gateway_config(ss.str(), path);
}

}  // namespace mcpgate::config
