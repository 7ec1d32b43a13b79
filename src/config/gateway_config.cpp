#include "config/gateway_config.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/url/parse.hpp>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "config/authorization_server_config.hpp"
#include "config/limits_config.hpp"
#include "config/redis_config.hpp"
#include "config/server_config.hpp"
#include "config/sessions_config.hpp"
#include "config/tls_config.hpp"
#include "config/yaml_reader.hpp"
#include "core/ascii.hpp"

namespace mcpgate::config {
namespace {

// The top of the file: listener, public URL, origins, limits, the authorization server and the
// servers; then what can only be checked once every section is read.
Gateway read_gateway(const YamlReader& r, const YAML::Node& root) {
  r.only_keys(root, "",
              {"listen", "tls", "public_url", "threads", "allowed_origins", "allowed_hosts", "limits", "audit_log",
               "log", "authorization_server", "servers", "drain", "redis", "sessions"});
  Gateway g;
  g.source = r.source();
  if (root["listen"]) {
    auto l = parse_listen(r.str(root["listen"], "listen"));
    if (!l) r.error(root["listen"], "listen", l.error().message);
    g.listen_host = l->first;
    g.listen_port = l->second;
  }
  if (root["tls"]) g.tls = read_tls_server(r, root["tls"], "tls");
  if (root["public_url"]) {
    g.public_url = r.str(root["public_url"], "public_url");
    auto u = boost::urls::parse_absolute_uri(g.public_url);
    if (!u || (u->scheme() != "http" && u->scheme() != "https"))
      r.error(root["public_url"], "public_url", "must be an absolute http(s) URL");
    if (!g.public_url.empty() && g.public_url.back() == '/') g.public_url.pop_back();
  }
  if (root["threads"]) g.threads = static_cast<unsigned>(r.number(root["threads"], "threads", 0, 256));
  if (root["allowed_origins"]) g.allowed_origins = r.strings(root["allowed_origins"], "allowed_origins");
  if (root["allowed_hosts"]) g.allowed_hosts = r.strings(root["allowed_hosts"], "allowed_hosts");
  if (root["limits"]) read_limits(r, root["limits"], g.limits);
  if (root["audit_log"]) g.audit_log = r.str(root["audit_log"], "audit_log");
  if (auto l = root["log"]) {
    r.only_keys(l, "log", {"level", "format"});
    if (l["level"]) {
      auto level = log::parse_level(r.str(l["level"], "log.level"));
      if (!level) r.error(l["level"], "log.level", "must be error, warn, info or debug");
      g.log_level = *level;
    }
    if (l["format"]) {
      auto format = log::parse_format(r.str(l["format"], "log.format"));
      if (!format) r.error(l["format"], "log.format", "must be text or json");
      g.log_format = *format;
    }
  }
  if (auto d = root["drain"]) {
    r.only_keys(d, "drain", {"grace_seconds", "delay_seconds", "retry_ms"});
    if (d["grace_seconds"])
      g.drain.grace = std::chrono::seconds(r.number(d["grace_seconds"], "drain.grace_seconds", 0, 3600));
    if (d["delay_seconds"])
      g.drain.delay = std::chrono::seconds(r.number(d["delay_seconds"], "drain.delay_seconds", 0, 3600));
    if (d["retry_ms"])
      g.drain.retry_hint = std::chrono::milliseconds(r.number(d["retry_ms"], "drain.retry_ms", 0, 3'600'000));
    if (g.drain.delay > g.drain.grace)
      r.error(d, "drain.delay_seconds", "must not exceed drain.grace_seconds (the delay is part of the grace)");
  }
  if (auto s = root["sessions"]) g.sessions = read_sessions(r, s);
  if (auto as = root["authorization_server"]) g.authorization_server = read_authorization_server(r, as);
  if (auto rd = root["redis"]) {
    g.redis = read_redis(r, rd);
    // Without Redis the store reload is what keeps a replica current: a bound at or below its
    // period would refuse every embedded token whenever Redis is down, though the store answers.
    if (g.authorization_server.enabled && g.redis->revocation_max_staleness <= g.authorization_server.revocation_reload)
      r.error(rd, "redis.revocation_max_staleness_seconds",
              "must exceed authorization_server.revocation_reload_seconds (" +
                  std::to_string(g.authorization_server.revocation_reload.count()) + ")");
  }
  if (!root["servers"] || !root["servers"].IsSequence() || root["servers"].size() == 0)
    r.error(root, "servers", "needs at least one server");
  std::set<std::string> paths, names;
  for (std::size_t i = 0; i < root["servers"].size(); ++i) {
    auto k = "servers[" + std::to_string(i) + "]";
    auto e = read_server(r, root["servers"][i], k);
    if (!paths.insert(e.path).second) r.error(root["servers"][i], k + ".path", "duplicate path");
    if (!names.insert(e.name).second) r.error(root["servers"][i], k + ".name", "duplicate name");
    g.servers.push_back(std::move(e));
  }
  if (g.public_url.empty()) {
    std::string host = g.listen_host.find(':') != std::string::npos ? "[" + g.listen_host + "]" : g.listen_host;
    g.public_url = (g.tls ? "https://" : "http://") + host + ":" + std::to_string(g.listen_port);
    g.public_url_defaulted = true;
  }
  finish_defaults(g);
  for (std::size_t i = 0; i < g.servers.size(); ++i) {
    auto& a = g.servers[i].auth;
    if (!a.anonymous && a.issuers.empty() && !a.introspection)
      r.error(root["servers"][i]["auth"], "servers[" + std::to_string(i) + "].auth",
              "needs issuers (or introspection) to validate tokens, an `authorization_server:` section to use the "
              "embedded one, or `anonymous: true` to serve without authorization");
    for (std::size_t j = 0; j < g.servers[i].upstreams.size(); ++j) {
      auto& c = g.servers[i].upstreams[j].credentials;
      auto node = root["servers"][i]["upstreams"][j]["credentials"];
      auto key = "servers[" + std::to_string(i) + "].upstreams[" + std::to_string(j) + "].credentials";
      if (c.mode == Credentials::Mode::token_exchange && a.anonymous)
        r.error(node, key, "token_exchange needs a client token to exchange; this endpoint is anonymous");
      if ((c.mode == Credentials::Mode::token_exchange || c.mode == Credentials::Mode::client_credentials) &&
          c.embedded() && !g.authorization_server.enabled)
        r.error(node, key, "needs token_endpoint or issuer, or the embedded authorization_server");
      if (c.mode != Credentials::Mode::none)
        if (auto& h = g.servers[i].upstreams[j].http)
          for (auto& [name, value] : h->headers)
            if (iequals_ascii(name, c.header))
              r.error(node, key,
                      "the upstream's http.headers already set " + name + "; the credential would replace it");
    }
  }
  return g;
}

}  // namespace

void finish_defaults(Gateway& g) {
  if (g.authorization_server.enabled &&
      (g.authorization_server.issuer.empty() || g.authorization_server.issuer_defaulted)) {
    g.authorization_server.issuer = g.public_url;
    g.authorization_server.issuer_defaulted = true;
  }
  for (auto& e : g.servers) {
    if (!e.auth.anonymous && g.authorization_server.enabled && (e.auth.issuers.empty() || e.auth.embedded_issuer) &&
        !e.auth.introspection) {
      // Zero configuration: an endpoint without its own issuers trusts the embedded server.
      e.auth.issuers.clear();
      Issuer embedded;
      embedded.issuer = g.authorization_server.issuer;
      embedded.algorithms = {"ES256"};
      embedded.require_access_token_type = true;
      e.auth.issuers.push_back(embedded);
      e.auth.embedded_issuer = true;
    }
    // The resource identifier clients put in `resource` (RFC 8707) and tokens carry in `aud`.
    if (e.auth.resource.empty() || e.auth.resource_defaulted) {
      e.auth.resource = g.public_url + e.path;
      e.auth.resource_defaulted = true;
    }
    if (e.auth.authorization_servers.empty() || e.auth.authorization_servers_defaulted) {
      e.auth.authorization_servers.clear();
      for (auto& i : e.auth.issuers) e.auth.authorization_servers.push_back(i.issuer);
      e.auth.authorization_servers_defaulted = true;
    }
  }
}

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
    return read_gateway(YamlReader(source), root);
  } catch (const ConfigError& e) {
    return fail(e.message);
  } catch (const YAML::Exception& e) {
    return fail(source + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " +
                e.msg);
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
