#include "config/upstream_config.hpp"

#include <boost/url/parse.hpp>

#include "config/credentials_config.hpp"
#include "config/fetched_url.hpp"
#include "config/tls_config.hpp"
#include "oauth/algorithm.hpp"
#include "oauth/token_minter.hpp"

namespace mcpgate::config {

Upstream read_upstream(const YamlReader& r, const YAML::Node& n, const std::string& key) {
  r.only_keys(n, key,
              {"name", "prefix", "stdio", "http", "request_timeout_ms", "restart_backoff_max_ms",
               "max_concurrent_requests", "max_pending_requests", "queue_timeout_ms", "credentials"});
  Upstream u;
  if (!n["name"]) r.error(n, key + ".name", "is required");
  u.name = r.str(n["name"], key + ".name");
  if (n["prefix"]) u.prefix = r.str(n["prefix"], key + ".prefix");
  if (n["request_timeout_ms"])
    u.request_timeout =
        std::chrono::milliseconds(r.number(n["request_timeout_ms"], key + ".request_timeout_ms", 100, 86'400'000));
  if (n["restart_backoff_max_ms"])
    u.restart_backoff_max =
        std::chrono::milliseconds(r.number(n["restart_backoff_max_ms"], key + ".restart_backoff_max_ms", 0, 3'600'000));
  if (n["max_concurrent_requests"])
    u.max_concurrent_requests = r.number(n["max_concurrent_requests"], key + ".max_concurrent_requests", 1, 1'000'000);
  if (n["max_pending_requests"])
    u.max_pending_requests = r.number(n["max_pending_requests"], key + ".max_pending_requests", 0, 10'000'000);
  if (n["queue_timeout_ms"])
    u.queue_timeout =
        std::chrono::milliseconds(r.number(n["queue_timeout_ms"], key + ".queue_timeout_ms", 0, 3'600'000));
  if (n["stdio"] && n["http"]) r.error(n, key, "give either stdio or http, not both");
  if (auto s = n["stdio"]) {
    std::string k = key + ".stdio";
    r.only_keys(s, k, {"command", "env", "cwd", "mode", "idle_timeout_ms", "max_children", "renew_before_ms"});
    StdioUpstream st;
    if (!s["command"]) r.error(s, k + ".command", "is required");
    st.command = r.strings(s["command"], k + ".command");
    if (st.command.empty()) r.error(s["command"], k + ".command", "must not be empty");
    if (s["env"]) st.env = r.string_map(s["env"], k + ".env");
    if (s["cwd"]) st.cwd = r.str(s["cwd"], k + ".cwd");
    if (s["mode"]) {
      auto m = r.str(s["mode"], k + ".mode");
      if (m == "per_session")
        st.mode = StdioUpstream::Mode::per_session;
      else if (m == "shared")
        st.mode = StdioUpstream::Mode::shared;
      else if (m == "per_principal")
        st.mode = StdioUpstream::Mode::per_principal;
      else
        r.error(s["mode"], k + ".mode", "must be per_session, shared or per_principal");
    }
    for (auto* opt : {"idle_timeout_ms", "max_children", "renew_before_ms"})
      if (s[opt] && st.mode != StdioUpstream::Mode::per_principal)
        r.error(s[opt], k + "." + opt, "is only for mode per_principal");
    if (s["idle_timeout_ms"])
      st.idle_timeout =
          std::chrono::milliseconds(r.number(s["idle_timeout_ms"], k + ".idle_timeout_ms", 100, 30 * 86'400'000ll));
    if (s["max_children"]) st.max_children = r.number(s["max_children"], k + ".max_children", 1, 100'000);
    if (s["renew_before_ms"])
      st.renew_before =
          std::chrono::milliseconds(r.number(s["renew_before_ms"], k + ".renew_before_ms", 0, 86'400'000ll));
    u.stdio = std::move(st);
  } else if (auto h = n["http"]) {
    std::string k = key + ".http";
    r.only_keys(h, k, {"url", "headers", "tls"});
    HttpUpstream hu;
    if (!h["url"]) r.error(h, k + ".url", "is required");
    hu.url = r.str(h["url"], k + ".url");
    auto parsed = boost::urls::parse_absolute_uri(hu.url);
    if (!parsed) r.error(h["url"], k + ".url", "is not an absolute URL");
    if (parsed->scheme() != "http" && parsed->scheme() != "https")
      r.error(h["url"], k + ".url", "must be an http:// or https:// URL");
    hu.https = parsed->scheme() == "https";
    if (h["tls"]) {
      if (!hu.https) r.error(h["tls"], k + ".tls", "needs an https:// url");
      hu.tls = read_tls_client(r, h["tls"], k + ".tls");
    }
    hu.host = std::string(parsed->host_address());
    if (hu.host.size() > 2 && hu.host.front() == '[') hu.host = hu.host.substr(1, hu.host.size() - 2);
    hu.port = parsed->has_port() ? parsed->port_number() : (hu.https ? 443 : 80);
    hu.target = std::string(parsed->encoded_path());
    if (hu.target.empty()) hu.target = "/";
    if (parsed->has_query()) hu.target += "?" + std::string(parsed->encoded_query());
    if (h["headers"]) hu.headers = r.string_map(h["headers"], k + ".headers");
    u.http = std::move(hu);
  } else {
    r.error(n, key, "needs stdio or http");
  }
  if (u.stdio && u.stdio->mode == StdioUpstream::Mode::per_principal && !n["credentials"])
    r.error(n["stdio"]["mode"], key + ".stdio.mode",
            "per_principal needs credentials (token_exchange or client_credentials) with env");
  if (auto c = n["credentials"]) {
    CredentialChecks checks{[&r](const YAML::Node& node, const std::string& k, const std::string& url) {
                              check_fetched_url(r, node, k, url);
                            },
                            [&r](const YAML::Node& node, const std::string& k) { return read_tls_client(r, node, k); },
                            [](const std::string& pem, const std::string& alg) -> std::string {
                              auto a = oauth::parse_algorithm(alg);
                              if (!a || oauth::family(*a) == oauth::AlgorithmFamily::hmac)
                                return "client_key_alg " + alg + " is not an asymmetric JWS algorithm";
                              auto key = oauth::SigningKey::from_pem(pem);
                              if (!key) return "not a private key: " + key.error().message;
                              if (!oauth::sign_bytes(*key, *a, "probe")) return "the key cannot sign " + alg;
                              return {};
                            }};
    u.credentials = read_credentials(r, c, key + ".credentials", checks);
    if (u.credentials.discover && !u.http) r.error(c, key + ".credentials.discover", "needs an http upstream");
    if (u.stdio && u.credentials.mode != Credentials::Mode::none) {
      // A stdio child has no request headers: its token goes into its environment (the MCP
      // authorization specification: stdio servers take credentials from the environment), one
      // child per principal so that no child ever holds another principal's token.
      if (u.credentials.mode != Credentials::Mode::token_exchange &&
          u.credentials.mode != Credentials::Mode::client_credentials)
        r.error(c["mode"], key + ".credentials.mode",
                "a stdio upstream takes token_exchange or client_credentials (its token goes into its environment)");
      if (u.credentials.env.empty())
        r.error(c, key + ".credentials.env", "is required on a stdio upstream (the variable that receives the token)");
      if (u.stdio->mode != StdioUpstream::Mode::per_principal)
        r.error(c, key + ".credentials",
                "on a stdio upstream needs stdio.mode per_principal (a child's token is one principal's)");
      if (u.credentials.resource.empty() && u.credentials.audience.empty())
        r.error(c, key + ".credentials",
                "a stdio upstream has no URL: give resource or audience (the token's audience)");
    }
    if (u.http && !u.credentials.env.empty())
      r.error(c["env"], key + ".credentials.env", "is for stdio upstreams (an http upstream gets a header)");
    // The upstream is the token's audience unless said otherwise (RFC 8707: its URL).
    if (u.http && u.credentials.resource.empty() && u.credentials.audience.empty() &&
        (u.credentials.mode == Credentials::Mode::token_exchange ||
         u.credentials.mode == Credentials::Mode::client_credentials))
      u.credentials.resource = u.http->url;
  }
  return u;
}

}  // namespace mcpgate::config
