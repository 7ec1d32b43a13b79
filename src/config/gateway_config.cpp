#include "config/gateway_config.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "config/credentials_config.hpp"
#include "config/limits_config.hpp"
#include "config/yaml_reader.hpp"
#include "core/ascii.hpp"
#include "net/address.hpp"
#include "net/tls_client.hpp"
#include "net/tls_server.hpp"
#include "oauth/algorithm.hpp"
#include "oauth/token_minter.hpp"
#include "policy/method_table.hpp"

namespace mcpgate::config {
namespace {

// A YAML subtree as JSON text (for an inline JWKS written as YAML).
std::string yaml_to_json(const YAML::Node& n) {
  std::string out;
  if (n.IsMap()) {
    out += '{';
    bool first = true;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!first) out += ',';
      first = false;
      out += boost::json::serialize(boost::json::value(it->first.as<std::string>()));
      out += ':';
      out += yaml_to_json(it->second);
    }
    out += '}';
  } else if (n.IsSequence()) {
    out += '[';
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (i) out += ',';
      out += yaml_to_json(n[i]);
    }
    out += ']';
  } else if (n.IsNull()) {
    out += "null";
  } else {
    out += boost::json::serialize(boost::json::value(n.as<std::string>()));
  }
  return out;
}

class Walker : public YamlReader {
 public:
  explicit Walker(std::string source) : YamlReader(std::move(source)) {}
  // A URL the gateway fetches keys or token answers from: https, or plain http to this machine
  // only (a key set fetched in clear over the network can be replaced by anyone on the path).
  // Loopback comes from the parsed address: "http://127.evil.example" is a name on the network.
  void fetched_url(const YAML::Node& n, const std::string& key, const std::string& url) const {
    auto u = net::parse_absolute_url(url);
    if (!u) error(n, key, "is not a well-formed absolute URL (after the host only a port, '/', '?' or '#' may follow)");
    if (u->scheme() != "http" && u->scheme() != "https") error(n, key, "must be an http(s) URL");
    if (u->has_userinfo()) error(n, key, "must not carry userinfo");
    if (u->scheme() == "http" && !net::is_loopback_url(url))
      error(n, key, "plain http is allowed only to a loopback address (127.0.0.0/8, [::1], localhost); use https");
  }

  Gateway gateway(const YAML::Node& root) const;

 private:
  Upstream upstream(const YAML::Node& n, const std::string& key) const;
  Endpoint endpoint(const YAML::Node& n, const std::string& key) const;
  Auth auth(const YAML::Node& n, const std::string& key) const;
  AuthorizationServer authorization_server(const YAML::Node& n) const;
  policy::Policy policy(const YAML::Node& n, const std::string& key) const;
  policy::Rule rule(const YAML::Node& n, const std::string& key, std::size_t index) const;
  std::vector<std::string> one_or_many(const YAML::Node& n, const std::string& key) const {
    if (n.IsScalar()) return {str(n, key)};
    return strings(n, key);
  }
  void limits(const YAML::Node& n, Limits& l) const;
  net::TlsClientOptions tls_client(const YAML::Node& n, const std::string& key) const;
  net::TlsServerOptions tls_server(const YAML::Node& n, const std::string& key) const;
  void readable_file(const YAML::Node& n, const std::string& key, const std::string& path) const {
    // A regular file only: a device or a FIFO named here would hang the load.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) error(n, key, path + " is not a regular file");
    if (!std::ifstream(path).good()) error(n, key, "cannot read " + path);
  }
};

net::TlsClientOptions Walker::tls_client(const YAML::Node& n, const std::string& key) const {
  only_keys(n, key, {"ca_file", "client_cert_file", "client_key_file", "server_name"});
  net::TlsClientOptions t;
  if (n["ca_file"]) readable_file(n["ca_file"], key + ".ca_file", t.ca_file = str(n["ca_file"], key + ".ca_file"));
  if (n["client_cert_file"])
    readable_file(n["client_cert_file"], key + ".client_cert_file",
                  t.client_cert_file = str(n["client_cert_file"], key + ".client_cert_file"));
  if (n["client_key_file"])
    readable_file(n["client_key_file"], key + ".client_key_file",
                  t.client_key_file = str(n["client_key_file"], key + ".client_key_file"));
  if (t.client_cert_file.empty() != t.client_key_file.empty())
    error(n, key, "client_cert_file and client_key_file go together");
  if (n["server_name"]) t.server_name = str(n["server_name"], key + ".server_name");
  // Loaded now so that a CA file holding no certificate, or a key that does not match its
  // certificate, is a configuration error naming the key, not a failure at the first request.
  if (auto c = net::TlsClientContext::create(t); !c) error(n, key, c.error().message);
  return t;
}

net::TlsServerOptions Walker::tls_server(const YAML::Node& n, const std::string& key) const {
  only_keys(n, key, {"cert_file", "key_file"});
  net::TlsServerOptions t;
  if (!n["cert_file"]) error(n, key + ".cert_file", "is required");
  if (!n["key_file"]) error(n, key + ".key_file", "is required");
  readable_file(n["cert_file"], key + ".cert_file", t.cert_file = str(n["cert_file"], key + ".cert_file"));
  readable_file(n["key_file"], key + ".key_file", t.key_file = str(n["key_file"], key + ".key_file"));
  if (auto c = net::TlsServerContext::create(t); !c) error(n, key, c.error().message);
  return t;
}

Upstream Walker::upstream(const YAML::Node& n, const std::string& key) const {
  only_keys(n, key,
            {"name", "prefix", "stdio", "http", "request_timeout_ms", "restart_backoff_max_ms",
             "max_concurrent_requests", "max_pending_requests", "queue_timeout_ms", "credentials"});
  Upstream u;
  if (!n["name"]) error(n, key + ".name", "is required");
  u.name = str(n["name"], key + ".name");
  if (n["prefix"]) u.prefix = str(n["prefix"], key + ".prefix");
  if (n["request_timeout_ms"])
    u.request_timeout =
        std::chrono::milliseconds(number(n["request_timeout_ms"], key + ".request_timeout_ms", 100, 86'400'000));
  if (n["restart_backoff_max_ms"])
    u.restart_backoff_max =
        std::chrono::milliseconds(number(n["restart_backoff_max_ms"], key + ".restart_backoff_max_ms", 0, 3'600'000));
  if (n["max_concurrent_requests"])
    u.max_concurrent_requests = number(n["max_concurrent_requests"], key + ".max_concurrent_requests", 1, 1'000'000);
  if (n["max_pending_requests"])
    u.max_pending_requests = number(n["max_pending_requests"], key + ".max_pending_requests", 0, 10'000'000);
  if (n["queue_timeout_ms"])
    u.queue_timeout = std::chrono::milliseconds(number(n["queue_timeout_ms"], key + ".queue_timeout_ms", 0, 3'600'000));
  if (n["stdio"] && n["http"]) error(n, key, "give either stdio or http, not both");
  if (auto s = n["stdio"]) {
    std::string k = key + ".stdio";
    only_keys(s, k, {"command", "env", "cwd", "mode", "idle_timeout_ms", "max_children", "renew_before_ms"});
    StdioUpstream st;
    if (!s["command"]) error(s, k + ".command", "is required");
    st.command = strings(s["command"], k + ".command");
    if (st.command.empty()) error(s["command"], k + ".command", "must not be empty");
    if (s["env"]) st.env = string_map(s["env"], k + ".env");
    if (s["cwd"]) st.cwd = str(s["cwd"], k + ".cwd");
    if (s["mode"]) {
      auto m = str(s["mode"], k + ".mode");
      if (m == "per_session")
        st.mode = StdioUpstream::Mode::per_session;
      else if (m == "shared")
        st.mode = StdioUpstream::Mode::shared;
      else if (m == "per_principal")
        st.mode = StdioUpstream::Mode::per_principal;
      else
        error(s["mode"], k + ".mode", "must be per_session, shared or per_principal");
    }
    for (auto* opt : {"idle_timeout_ms", "max_children", "renew_before_ms"})
      if (s[opt] && st.mode != StdioUpstream::Mode::per_principal)
        error(s[opt], k + "." + opt, "is only for mode per_principal");
    if (s["idle_timeout_ms"])
      st.idle_timeout =
          std::chrono::milliseconds(number(s["idle_timeout_ms"], k + ".idle_timeout_ms", 100, 30 * 86'400'000ll));
    if (s["max_children"]) st.max_children = number(s["max_children"], k + ".max_children", 1, 100'000);
    if (s["renew_before_ms"])
      st.renew_before =
          std::chrono::milliseconds(number(s["renew_before_ms"], k + ".renew_before_ms", 0, 86'400'000ll));
    u.stdio = std::move(st);
  } else if (auto h = n["http"]) {
    std::string k = key + ".http";
    only_keys(h, k, {"url", "headers", "tls"});
    HttpUpstream hu;
    if (!h["url"]) error(h, k + ".url", "is required");
    hu.url = str(h["url"], k + ".url");
    auto parsed = boost::urls::parse_absolute_uri(hu.url);
    if (!parsed) error(h["url"], k + ".url", "is not an absolute URL");
    if (parsed->scheme() != "http" && parsed->scheme() != "https")
      error(h["url"], k + ".url", "must be an http:// or https:// URL");
    hu.https = parsed->scheme() == "https";
    if (h["tls"]) {
      if (!hu.https) error(h["tls"], k + ".tls", "needs an https:// url");
      hu.tls = tls_client(h["tls"], k + ".tls");
    }
    hu.host = std::string(parsed->host_address());
    if (hu.host.size() > 2 && hu.host.front() == '[') hu.host = hu.host.substr(1, hu.host.size() - 2);
    hu.port = parsed->has_port() ? parsed->port_number() : (hu.https ? 443 : 80);
    hu.target = std::string(parsed->encoded_path());
    if (hu.target.empty()) hu.target = "/";
    if (parsed->has_query()) hu.target += "?" + std::string(parsed->encoded_query());
    if (h["headers"]) hu.headers = string_map(h["headers"], k + ".headers");
    u.http = std::move(hu);
  } else {
    error(n, key, "needs stdio or http");
  }
  if (u.stdio && u.stdio->mode == StdioUpstream::Mode::per_principal && !n["credentials"])
    error(n["stdio"]["mode"], key + ".stdio.mode",
          "per_principal needs credentials (token_exchange or client_credentials) with env");
  if (auto c = n["credentials"]) {
    CredentialChecks checks{
        [this](const YAML::Node& node, const std::string& k, const std::string& url) { fetched_url(node, k, url); },
        [this](const YAML::Node& node, const std::string& k) { return tls_client(node, k); },
        [](const std::string& pem, const std::string& alg) -> std::string {
          auto a = oauth::parse_algorithm(alg);
          if (!a || oauth::family(*a) == oauth::AlgorithmFamily::hmac)
            return "client_key_alg " + alg + " is not an asymmetric JWS algorithm";
          auto key = oauth::SigningKey::from_pem(pem);
          if (!key) return "not a private key: " + key.error().message;
          if (!oauth::sign_bytes(*key, *a, "probe")) return "the key cannot sign " + alg;
          return {};
        }};
    u.credentials = read_credentials(*this, c, key + ".credentials", checks);
    if (u.credentials.discover && !u.http) error(c, key + ".credentials.discover", "needs an http upstream");
    if (u.stdio && u.credentials.mode != Credentials::Mode::none) {
      // A stdio child has no request headers: its token goes into its environment (the MCP
      // authorization specification: stdio servers take credentials from the environment), one
      // child per principal so that no child ever holds another principal's token.
      if (u.credentials.mode != Credentials::Mode::token_exchange &&
          u.credentials.mode != Credentials::Mode::client_credentials)
        error(c["mode"], key + ".credentials.mode",
              "a stdio upstream takes token_exchange or client_credentials (its token goes into its environment)");
      if (u.credentials.env.empty())
        error(c, key + ".credentials.env", "is required on a stdio upstream (the variable that receives the token)");
      if (u.stdio->mode != StdioUpstream::Mode::per_principal)
        error(c, key + ".credentials",
              "on a stdio upstream needs stdio.mode per_principal (a child's token is one principal's)");
      if (u.credentials.resource.empty() && u.credentials.audience.empty())
        error(c, key + ".credentials", "a stdio upstream has no URL: give resource or audience (the token's audience)");
    }
    if (u.http && !u.credentials.env.empty())
      error(c["env"], key + ".credentials.env", "is for stdio upstreams (an http upstream gets a header)");
    // The upstream is the token's audience unless said otherwise (RFC 8707: its URL).
    if (u.http && u.credentials.resource.empty() && u.credentials.audience.empty() &&
        (u.credentials.mode == Credentials::Mode::token_exchange ||
         u.credentials.mode == Credentials::Mode::client_credentials))
      u.credentials.resource = u.http->url;
  }
  return u;
}

Endpoint Walker::endpoint(const YAML::Node& n, const std::string& key) const {
  only_keys(n, key, {"name", "path", "upstreams", "auth", "policy"});
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
  if (!n["auth"]) error(n, key + ".auth", "is required (issuers, or `anonymous: true` to serve without authorization)");
  e.auth = auth(n["auth"], key + ".auth");
  if (n["policy"]) e.policy = policy(n["policy"], key + ".policy");
  return e;
}

AuthorizationServer Walker::authorization_server(const YAML::Node& n) const {
  const std::string k = "authorization_server";
  AuthorizationServer as;
  as.enabled = true;
  if (n.IsNull()) return as;
  only_keys(n, k,
            {"enabled", "issuer", "storage", "access_token_ttl_seconds", "refresh_token_ttl_seconds",
             "allow_loopback_http", "client_id_metadata_documents", "cimd_allow_private_addresses",
             "dynamic_client_registration", "dcr_allowed_redirect_schemes", "trusted_idps", "blocking_threads",
             "max_pending_requests", "blocking_nice", "max_concurrent_hashes"});
  if (n["enabled"]) as.enabled = boolean(n["enabled"], k + ".enabled");
  if (n["issuer"]) {
    as.issuer = str(n["issuer"], k + ".issuer");
    auto u = boost::urls::parse_absolute_uri(as.issuer);
    if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->has_query() || u->has_fragment() ||
        (!as.issuer.empty() && as.issuer.back() == '/'))
      error(n["issuer"], k + ".issuer",
            "must be an http(s) URL without query, fragment or trailing slash (RFC 8414 §2)");
  }
  if (n["storage"]) {
    as.storage = str(n["storage"], k + ".storage");
    if (!as.storage.starts_with("sqlite:")) error(n["storage"], k + ".storage", "must be sqlite:PATH");
  }
  if (n["access_token_ttl_seconds"])
    as.access_token_ttl =
        std::chrono::seconds(number(n["access_token_ttl_seconds"], k + ".access_token_ttl_seconds", 30, 86400));
  if (n["refresh_token_ttl_seconds"])
    as.refresh_token_ttl =
        std::chrono::seconds(number(n["refresh_token_ttl_seconds"], k + ".refresh_token_ttl_seconds", 60, 365 * 86400));
  if (n["allow_loopback_http"]) as.allow_loopback_http = boolean(n["allow_loopback_http"], k + ".allow_loopback_http");
  if (n["client_id_metadata_documents"])
    as.client_id_metadata_documents = boolean(n["client_id_metadata_documents"], k + ".client_id_metadata_documents");
  if (n["cimd_allow_private_addresses"])
    as.cimd_allow_private_addresses = boolean(n["cimd_allow_private_addresses"], k + ".cimd_allow_private_addresses");
  if (n["dynamic_client_registration"])
    as.dynamic_client_registration = boolean(n["dynamic_client_registration"], k + ".dynamic_client_registration");
  if (n["dcr_allowed_redirect_schemes"])
    as.dcr_allowed_redirect_schemes = strings(n["dcr_allowed_redirect_schemes"], k + ".dcr_allowed_redirect_schemes");
  if (n["blocking_threads"])
    as.blocking_threads = std::size_t(number(n["blocking_threads"], k + ".blocking_threads", 1, 256));
  if (n["max_pending_requests"])
    as.max_pending_requests = std::size_t(number(n["max_pending_requests"], k + ".max_pending_requests", 1, 100000));
  if (n["blocking_nice"]) as.blocking_nice = int(number(n["blocking_nice"], k + ".blocking_nice", 0, 19));
  if (n["max_concurrent_hashes"])
    as.max_concurrent_hashes = std::size_t(number(n["max_concurrent_hashes"], k + ".max_concurrent_hashes", 0, 64));
  if (auto idps = n["trusted_idps"]) {
    if (!idps.IsSequence()) error(idps, k + ".trusted_idps", "must be a list");
    for (std::size_t i = 0; i < idps.size(); ++i) {
      auto ik = k + ".trusted_idps[" + std::to_string(i) + "]";
      only_keys(idps[i], ik, {"issuer", "jwks"});
      if (!idps[i]["issuer"] || !idps[i]["jwks"]) error(idps[i], ik, "needs issuer and jwks");
      as.trusted_idps.push_back({str(idps[i]["issuer"], ik + ".issuer"), idps[i]["jwks"].IsScalar()
                                                                             ? str(idps[i]["jwks"], ik + ".jwks")
                                                                             : yaml_to_json(idps[i]["jwks"])});
    }
  }
  return as;
}

Auth Walker::auth(const YAML::Node& a, const std::string& key) const {
  only_keys(a, key,
            {"anonymous", "resource", "resource_name", "resource_documentation", "scopes_supported", "required_scopes",
             "authorization_servers", "issuers", "introspection", "token_cache"});
  Auth out;
  if (a["anonymous"]) out.anonymous = boolean(a["anonymous"], key + ".anonymous");
  if (a["resource"]) {
    out.resource = str(a["resource"], key + ".resource");
    auto u = boost::urls::parse_absolute_uri(out.resource);
    if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->has_fragment())
      error(a["resource"], key + ".resource", "must be an absolute http(s) URL without a fragment (RFC 8707)");
  }
  if (a["resource_name"]) out.resource_name = str(a["resource_name"], key + ".resource_name");
  if (a["resource_documentation"])
    out.resource_documentation = str(a["resource_documentation"], key + ".resource_documentation");
  if (a["scopes_supported"]) out.scopes_supported = strings(a["scopes_supported"], key + ".scopes_supported");
  if (a["required_scopes"]) out.required_scopes = strings(a["required_scopes"], key + ".required_scopes");
  if (a["authorization_servers"])
    out.authorization_servers = strings(a["authorization_servers"], key + ".authorization_servers");
  if (auto is = a["issuers"]) {
    if (!is.IsSequence()) error(is, key + ".issuers", "must be a list");
    for (std::size_t i = 0; i < is.size(); ++i) {
      auto k = key + ".issuers[" + std::to_string(i) + "]";
      auto n = is[i];
      only_keys(n, k,
                {"issuer", "algorithms", "jwks_uri", "jwks_file", "jwks", "shared_secret", "require_at_jwt",
                 "leeway_seconds", "jwks_min_refetch_seconds", "tls"});
      Issuer iss;
      if (!n["issuer"]) error(n, k + ".issuer", "is required");
      iss.issuer = str(n["issuer"], k + ".issuer");
      if (n["algorithms"]) {
        iss.algorithms = strings(n["algorithms"], k + ".algorithms");
        for (std::size_t j = 0; j < iss.algorithms.size(); ++j) {
          auto& alg = iss.algorithms[j];
          if (!oauth::parse_algorithm(alg)) error(n["algorithms"][j], k + ".algorithms", "unknown algorithm " + alg);
          if (alg.starts_with("HS") && !n["shared_secret"])
            error(n["algorithms"][j], k + ".algorithms", alg + " needs an explicit shared_secret");
        }
      }
      int sources = 0;
      if (n["jwks_uri"]) {
        iss.jwks_uri = str(n["jwks_uri"], k + ".jwks_uri"), ++sources;
        fetched_url(n["jwks_uri"], k + ".jwks_uri", iss.jwks_uri);
      }
      if (n["jwks_file"]) iss.jwks_file = str(n["jwks_file"], k + ".jwks_file"), ++sources;
      if (n["jwks"]) {
        ++sources;
        if (n["jwks"].IsScalar())
          iss.jwks_inline = str(n["jwks"], k + ".jwks");
        else
          iss.jwks_inline = yaml_to_json(n["jwks"]);
      }
      if (sources > 1) error(n, k, "give at most one of jwks_uri, jwks_file and jwks");
      if (n["tls"]) {
        // TLS settings apply to what is fetched: the jwks_uri, or the issuer's metadata.
        if (!iss.jwks_file.empty() || !iss.jwks_inline.empty())
          error(n["tls"], k + ".tls", "applies to jwks_uri or metadata discovery, not to jwks_file or jwks");
        iss.tls = tls_client(n["tls"], k + ".tls");
      }
      if (n["shared_secret"]) iss.shared_secret = str(n["shared_secret"], k + ".shared_secret");
      if (n["require_at_jwt"]) iss.require_access_token_type = boolean(n["require_at_jwt"], k + ".require_at_jwt");
      if (n["leeway_seconds"])
        iss.leeway = std::chrono::seconds(number(n["leeway_seconds"], k + ".leeway_seconds", 0, 600));
      if (n["jwks_min_refetch_seconds"])
        iss.jwks_min_refetch =
            std::chrono::seconds(number(n["jwks_min_refetch_seconds"], k + ".jwks_min_refetch_seconds", 0, 86400));
      out.issuers.push_back(std::move(iss));
    }
  }
  if (auto in = a["introspection"]) {
    auto k = key + ".introspection";
    only_keys(in, k, {"endpoint", "client_id", "client_secret", "auth_method", "issuer", "max_cache_seconds", "tls"});
    Introspection i;
    if (!in["endpoint"]) error(in, k + ".endpoint", "is required");
    i.endpoint = str(in["endpoint"], k + ".endpoint");
    if (!boost::urls::parse_absolute_uri(i.endpoint)) error(in["endpoint"], k + ".endpoint", "is not an absolute URL");
    fetched_url(in["endpoint"], k + ".endpoint", i.endpoint);
    if (in["client_id"]) i.client_id = str(in["client_id"], k + ".client_id");
    if (in["client_secret"]) i.client_secret = str(in["client_secret"], k + ".client_secret");
    if (in["auth_method"]) {
      auto m = str(in["auth_method"], k + ".auth_method");
      if (m == "client_secret_post")
        i.client_secret_post = true;
      else if (m != "client_secret_basic")
        error(in["auth_method"], k + ".auth_method", "must be client_secret_basic or client_secret_post");
    }
    if (in["issuer"]) i.issuer = str(in["issuer"], k + ".issuer");
    if (in["tls"]) i.tls = tls_client(in["tls"], k + ".tls");
    if (in["max_cache_seconds"])
      i.max_cache = std::chrono::seconds(number(in["max_cache_seconds"], k + ".max_cache_seconds", 0, 3600));
    out.introspection = std::move(i);
  }
  if (auto tc = a["token_cache"]) {
    only_keys(tc, key + ".token_cache", {"max_entries", "max_ttl_seconds"});
    if (tc["max_entries"])
      out.token_cache_entries = number(tc["max_entries"], key + ".token_cache.max_entries", 0, 10'000'000);
    if (tc["max_ttl_seconds"])
      out.token_cache_max_ttl =
          std::chrono::seconds(number(tc["max_ttl_seconds"], key + ".token_cache.max_ttl_seconds", 0, 86400));
  }
  if (out.anonymous && (!out.issuers.empty() || out.introspection))
    error(a, key, "anonymous: true cannot be combined with issuers or introspection");
  // Neither issuers nor introspection: the endpoint trusts the embedded authorization server
  // (checked once the whole file is read).
  return out;
}

policy::Rule Walker::rule(const YAML::Node& n, const std::string& key, std::size_t index) const {
  only_keys(n, key,
            {"id", "effect", "shadow", "methods", "tools", "resources", "prompts", "upstreams", "scopes", "any_scopes",
             "claims", "clients"});
  policy::Rule r;
  r.id = n["id"] ? str(n["id"], key + ".id") : "rule-" + std::to_string(index + 1);
  if (n["effect"]) {
    auto e = str(n["effect"], key + ".effect");
    if (e == "deny")
      r.deny = true;
    else if (e != "allow")
      error(n["effect"], key + ".effect", "must be allow or deny");
  }
  if (n["shadow"]) r.shadow = boolean(n["shadow"], key + ".shadow");
  if (n["methods"]) r.methods = one_or_many(n["methods"], key + ".methods");
  if (n["tools"]) r.tools = one_or_many(n["tools"], key + ".tools");
  if (n["resources"]) r.resources = one_or_many(n["resources"], key + ".resources");
  if (n["prompts"]) r.prompts = one_or_many(n["prompts"], key + ".prompts");
  if (n["upstreams"]) r.upstreams = one_or_many(n["upstreams"], key + ".upstreams");
  if (r.tools.empty() && r.resources.empty() && r.prompts.empty()) {
    if (r.methods.empty()) error(n, key, "needs tools, resources, prompts or methods to match");
    // A rule with methods alone governs methods outside the specification's table; for a method
    // that reaches a tool, resource or prompt, or one governed by authentication, it would
    // silently match nothing.
    for (auto& m : r.methods)
      if (policy::method_class(m, false) != policy::MethodClass::unknown ||
          policy::method_class(m, true) == policy::MethodClass::authentication_only)
        error(n["methods"], key + ".methods",
              "'" + m +
                  "' is a method of the specification: a rule with methods alone names other methods "
                  "(give tools, resources or prompts to match it)");
  }
  if (n["scopes"] && n["any_scopes"])
    error(n, key, "give scopes (all of) or any_scopes (one of several sets), not both");
  if (n["scopes"]) r.scopes.push_back(one_or_many(n["scopes"], key + ".scopes"));
  if (auto any = n["any_scopes"]) {
    if (!any.IsSequence()) error(any, key + ".any_scopes", "must be a list of scope lists");
    for (std::size_t i = 0; i < any.size(); ++i)
      r.scopes.push_back(one_or_many(any[i], key + ".any_scopes[" + std::to_string(i) + "]"));
  }
  if (auto c = n["claims"]) {
    if (!c.IsMap()) error(c, key + ".claims", "must map claim names to a value or a list of values");
    for (auto it = c.begin(); it != c.end(); ++it) {
      auto name = it->first.as<std::string>();
      r.claims.push_back(policy::ClaimCondition{name, one_or_many(it->second, key + ".claims." + name)});
    }
  }
  if (n["clients"]) r.clients = one_or_many(n["clients"], key + ".clients");
  if (r.deny && !r.scopes.empty())
    error(n, key + ".scopes", "a deny rule has no scopes (it matches by target, claims and clients)");
  return r;
}

policy::Policy Walker::policy(const YAML::Node& n, const std::string& key) const {
  only_keys(n, key, {"default", "shadow", "scope_hierarchy", "read_only_hint_default", "rules"});
  policy::Policy p;
  if (n["default"]) {
    auto d = str(n["default"], key + ".default");
    if (d == "allow")
      p.default_allow = true;
    else if (d != "deny")
      error(n["default"], key + ".default", "must be deny or allow");
  }
  if (n["shadow"]) p.shadow = boolean(n["shadow"], key + ".shadow");
  if (auto h = n["scope_hierarchy"]) {
    if (!h.IsMap()) error(h, key + ".scope_hierarchy", "must map a scope to the scopes it includes");
    for (auto it = h.begin(); it != h.end(); ++it) {
      auto s = it->first.as<std::string>();
      p.implies[s] = one_or_many(it->second, key + ".scope_hierarchy." + s);
    }
  }
  if (auto r = n["read_only_hint_default"]) {
    policy::ReadOnlyHintDefault d;
    if (r.IsMap()) {
      only_keys(r, key + ".read_only_hint_default", {"read_scope", "write_scope"});
      if (r["read_scope"]) d.read_scope = str(r["read_scope"], key + ".read_only_hint_default.read_scope");
      if (r["write_scope"]) d.write_scope = str(r["write_scope"], key + ".read_only_hint_default.write_scope");
      p.read_only_hint_default = d;
    } else if (boolean(r, key + ".read_only_hint_default")) {
      p.read_only_hint_default = d;
    }
  }
  if (auto rs = n["rules"]) {
    if (!rs.IsSequence()) error(rs, key + ".rules", "must be a list");
    std::set<std::string> ids;
    for (std::size_t i = 0; i < rs.size(); ++i) {
      auto k = key + ".rules[" + std::to_string(i) + "]";
      auto r = rule(rs[i], k, i);
      if (!ids.insert(r.id).second) error(rs[i], k + ".id", "duplicate rule id " + r.id);
      p.rules.push_back(std::move(r));
    }
  }
  return p;
}

void Walker::limits(const YAML::Node& n, Limits& l) const {
  only_keys(n, "limits",
            {"max_body_bytes", "max_header_bytes", "request_timeout_ms", "idle_timeout_ms", "max_connections",
             "max_sessions", "session_idle_timeout_ms", "per_principal", "tasks"});
  if (n["max_body_bytes"]) l.max_body_bytes = number(n["max_body_bytes"], "limits.max_body_bytes", 1024, 1ull << 30);
  if (n["max_header_bytes"])
    l.max_header_bytes = number(n["max_header_bytes"], "limits.max_header_bytes", 1024, 1 << 20);
  if (n["request_timeout_ms"])
    l.request_timeout =
        std::chrono::milliseconds(number(n["request_timeout_ms"], "limits.request_timeout_ms", 100, 3'600'000));
  if (n["idle_timeout_ms"])
    l.idle_timeout = std::chrono::milliseconds(number(n["idle_timeout_ms"], "limits.idle_timeout_ms", 100, 3'600'000));
  if (n["max_connections"]) l.max_connections = number(n["max_connections"], "limits.max_connections", 1, 1'000'000);
  if (n["max_sessions"]) l.max_sessions = number(n["max_sessions"], "limits.max_sessions", 1, 10'000'000);
  if (n["session_idle_timeout_ms"])
    l.session_idle_timeout = std::chrono::milliseconds(
        number(n["session_idle_timeout_ms"], "limits.session_idle_timeout_ms", 1000, 86'400'000));
  if (n["per_principal"]) read_per_principal(*this, n["per_principal"], "limits.per_principal", l.per_principal);
  if (auto t = n["tasks"]) {
    only_keys(t, "limits.tasks", {"max_tasks", "max_per_principal", "max_ttl_ms"});
    if (t["max_tasks"]) l.tasks.max_tasks = number(t["max_tasks"], "limits.tasks.max_tasks", 1, 100'000'000);
    if (t["max_per_principal"])
      l.tasks.max_per_principal = number(t["max_per_principal"], "limits.tasks.max_per_principal", 1, 100'000'000);
    if (t["max_ttl_ms"])
      l.tasks.max_ttl =
          std::chrono::milliseconds(number(t["max_ttl_ms"], "limits.tasks.max_ttl_ms", 1000, 30 * 86'400'000ll));
  }
}

Gateway Walker::gateway(const YAML::Node& root) const {
  only_keys(root, "",
            {"listen", "tls", "public_url", "threads", "allowed_origins", "allowed_hosts", "limits", "audit_log",
             "authorization_server", "servers"});
  Gateway g;
  g.source = source_;
  if (root["listen"]) {
    auto l = parse_listen(str(root["listen"], "listen"));
    if (!l) error(root["listen"], "listen", l.error().message);
    g.listen_host = l->first;
    g.listen_port = l->second;
  }
  if (root["tls"]) g.tls = tls_server(root["tls"], "tls");
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
  if (root["audit_log"]) g.audit_log = str(root["audit_log"], "audit_log");
  if (auto as = root["authorization_server"]) g.authorization_server = authorization_server(as);
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
    g.public_url = (g.tls ? "https://" : "http://") + host + ":" + std::to_string(g.listen_port);
    g.public_url_defaulted = true;
  }
  finish_defaults(g);
  for (std::size_t i = 0; i < g.servers.size(); ++i) {
    auto& a = g.servers[i].auth;
    if (!a.anonymous && a.issuers.empty() && !a.introspection)
      error(root["servers"][i]["auth"], "servers[" + std::to_string(i) + "].auth",
            "needs issuers (or introspection) to validate tokens, an `authorization_server:` section to use the "
            "embedded one, or `anonymous: true` to serve without authorization");
    for (std::size_t j = 0; j < g.servers[i].upstreams.size(); ++j) {
      auto& c = g.servers[i].upstreams[j].credentials;
      auto node = root["servers"][i]["upstreams"][j]["credentials"];
      auto key = "servers[" + std::to_string(i) + "].upstreams[" + std::to_string(j) + "].credentials";
      if (c.mode == Credentials::Mode::token_exchange && a.anonymous)
        error(node, key, "token_exchange needs a client token to exchange; this endpoint is anonymous");
      if ((c.mode == Credentials::Mode::token_exchange || c.mode == Credentials::Mode::client_credentials) &&
          c.embedded() && !g.authorization_server.enabled)
        error(node, key, "needs token_endpoint or issuer, or the embedded authorization_server");
      if (c.mode != Credentials::Mode::none)
        if (auto& h = g.servers[i].upstreams[j].http)
          for (auto& [name, value] : h->headers)
            if (iequals_ascii(name, c.header))
              error(node, key, "the upstream's http.headers already set " + name + "; the credential would replace it");
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
    return Walker(source).gateway(root);
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
