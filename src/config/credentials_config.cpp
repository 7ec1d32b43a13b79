#include "config/credentials_config.hpp"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mcpgate::config {
namespace {

// `<name>_env` or `<name>_file` (exactly one), or nothing when neither is given.
std::optional<std::string> secret(const YamlReader& r, const YAML::Node& n, const std::string& key,
                                  const std::string& name) {
  auto env = n[name + "_env"];
  auto file = n[name + "_file"];
  if (env && file) r.error(n, key, "give " + name + "_env or " + name + "_file, not both");
  if (env) {
    auto var = r.str(env, key + "." + name + "_env");
    const char* v = std::getenv(var.c_str());
    if (!v || !*v) r.error(env, key + "." + name + "_env", "the environment variable " + var + " is not set");
    return std::string(v);
  }
  if (file) {
    auto path = r.str(file, key + "." + name + "_file");
    std::ifstream in(path, std::ios::binary);
    if (!in) r.error(file, key + "." + name + "_file", "cannot read " + path);
    std::ostringstream o;
    o << in.rdbuf();
    auto v = o.str();
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();  // editors add one
    if (v.empty()) r.error(file, key + "." + name + "_file", path + " is empty");
    return v;
  }
  return std::nullopt;
}

bool header_value_ok(const std::string& v) {
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f) return false;  // no CR/LF: a header cannot be split in two
  return true;
}

bool env_name_ok(const std::string& v) {
  if (v.empty() || (v[0] >= '0' && v[0] <= '9')) return false;
  for (unsigned char c : v)
    if (!(std::isalnum(c) || c == '_')) return false;
  return true;
}

}  // namespace

Credentials read_credentials(const YamlReader& r, const YAML::Node& n, const std::string& key,
                             const CredentialChecks& checks) {
  r.only_keys(n, key,
              {"mode", "token_endpoint", "issuer", "discover", "client_id", "client_secret_env", "client_secret_file",
               "client_auth", "client_key_file", "client_key_id", "client_key_alg", "audience", "resource", "scopes",
               "tls", "header", "value_env", "value_file", "env"});
  Credentials c;
  if (!n["mode"]) r.error(n, key + ".mode", "is required (none, static, client_credentials or token_exchange)");
  auto mode = r.str(n["mode"], key + ".mode");
  using M = Credentials::Mode;
  if (mode == "none")
    c.mode = M::none;
  else if (mode == "static")
    c.mode = M::static_header;
  else if (mode == "client_credentials")
    c.mode = M::client_credentials;
  else if (mode == "token_exchange")
    c.mode = M::token_exchange;
  else if (mode == "passthrough" || mode == "forward")
    r.error(n["mode"], key + ".mode",
            "there is no mode that forwards the client's token (MCP authorization forbids token passthrough); "
            "use token_exchange");
  else
    r.error(n["mode"], key + ".mode", "must be none, static, client_credentials or token_exchange");

  auto only_for = [&](std::initializer_list<const char*> keys, bool allowed, const char* modes) {
    for (auto k : keys)
      if (n[k] && !allowed) r.error(n[k], key + "." + k, std::string("is only for ") + modes);
  };
  bool oauth = c.mode == M::client_credentials || c.mode == M::token_exchange;
  only_for({"token_endpoint", "issuer", "discover", "client_id", "client_secret_env", "client_secret_file",
            "client_auth", "audience", "resource", "scopes", "tls"},
           oauth, "client_credentials and token_exchange");
  only_for({"header", "value_env", "value_file"}, c.mode == M::static_header, "static");
  only_for({"env"}, oauth, "client_credentials and token_exchange (on stdio upstreams)");
  if (n["env"]) {
    c.env = r.str(n["env"], key + ".env");
    if (!env_name_ok(c.env))
      r.error(n["env"], key + ".env", "must be an environment variable name (letters, digits, _; not a digit first)");
  }

  if (c.mode == M::static_header) {
    if (n["header"]) c.header = r.str(n["header"], key + ".header");
    if (c.header.empty()) r.error(n["header"], key + ".header", "must not be empty");
    auto v = secret(r, n, key, "value");
    if (!v) r.error(n, key, "static needs value_env or value_file");
    if (!header_value_ok(*v)) r.error(n, key, "the value holds control characters");
    c.value = std::move(*v);
  }
  if (!oauth) return c;

  if ((n["token_endpoint"] ? 1 : 0) + (n["issuer"] ? 1 : 0) + (n["discover"] ? 1 : 0) > 1)
    r.error(n, key, "give one of token_endpoint, issuer or discover");
  if (n["discover"]) {
    c.discover = r.boolean(n["discover"], key + ".discover");
    if (!c.discover) r.error(n["discover"], key + ".discover", "say true, or leave it out");
  }
  if (n["token_endpoint"]) {
    c.token_endpoint = r.str(n["token_endpoint"], key + ".token_endpoint");
    checks.fetched_url(n["token_endpoint"], key + ".token_endpoint", c.token_endpoint);
  }
  if (n["issuer"]) {
    c.issuer = r.str(n["issuer"], key + ".issuer");
    checks.fetched_url(n["issuer"], key + ".issuer", c.issuer);
  }
  if (n["tls"]) {
    if (c.embedded()) r.error(n["tls"], key + ".tls", "is for an external token_endpoint or issuer");
    c.tls = checks.tls_client(n["tls"], key + ".tls");
  }
  if (n["client_id"]) c.client_id = r.str(n["client_id"], key + ".client_id");
  if (auto s = secret(r, n, key, "client_secret")) c.client_secret = std::move(*s);
  bool jwt = false;
  if (n["client_auth"]) {
    auto m = r.str(n["client_auth"], key + ".client_auth");
    if (m == "client_secret_post")
      c.client_secret_post = true;
    else if (m == "private_key_jwt")
      jwt = true;
    else if (m != "client_secret_basic")
      r.error(n["client_auth"], key + ".client_auth",
              "must be client_secret_basic, client_secret_post or private_key_jwt");
  }
  for (auto k : {"client_key_file", "client_key_id", "client_key_alg"})
    if (n[k] && !jwt) r.error(n[k], key + "." + k, "is for client_auth: private_key_jwt");
  if (jwt) {
    if (!c.client_secret.empty()) r.error(n, key, "private_key_jwt takes client_key_file, not a client secret");
    if (!n["client_key_file"]) r.error(n, key + ".client_key_file", "is required for private_key_jwt");
    auto path = r.str(n["client_key_file"], key + ".client_key_file");
    std::ifstream in(path, std::ios::binary);
    if (!in) r.error(n["client_key_file"], key + ".client_key_file", "cannot read " + path);
    std::ostringstream o;
    o << in.rdbuf();
    c.client_key_pem = o.str();
    if (n["client_key_id"]) c.client_key_id = r.str(n["client_key_id"], key + ".client_key_id");
    if (n["client_key_alg"]) c.client_key_alg = r.str(n["client_key_alg"], key + ".client_key_alg");
    if (auto problem = checks.signing_key(c.client_key_pem, c.client_key_alg); !problem.empty())
      r.error(n["client_key_file"], key + ".client_key_file", problem);
  }
  if (!c.embedded()) {
    if (c.client_id.empty()) r.error(n, key + ".client_id", "is required for an external authorization server");
    if (c.client_secret.empty() && c.client_key_pem.empty())
      r.error(n, key,
              "an external authorization server needs client_secret_env, client_secret_file or "
              "client_auth: private_key_jwt");
  } else if (c.client_id.empty()) {
    c.client_id = "mcpgate";
  }
  if (n["audience"]) c.audience = r.str(n["audience"], key + ".audience");
  if (n["resource"]) c.resource = r.str(n["resource"], key + ".resource");
  if (auto sc = n["scopes"]) {
    auto k = key + ".scopes";
    if (c.mode == M::client_credentials) {
      c.scopes = sc.IsScalar() ? std::vector<std::string>{r.str(sc, k)} : r.strings(sc, k);
    } else {
      if (!sc.IsMap()) r.error(sc, k, "must map each client scope to the scopes asked of the upstream's server");
      for (auto it = sc.begin(); it != sc.end(); ++it) {
        auto from = it->first.as<std::string>();
        auto to = it->second.IsScalar() ? std::vector<std::string>{r.str(it->second, k + "." + from)}
                                        : r.strings(it->second, k + "." + from);
        c.scope_map[from] = std::move(to);
      }
    }
  }
  if (c.mode == M::token_exchange && c.scope_map.empty())
    r.error(n, key + ".scopes",
            "token_exchange needs a scope map (client scope → upstream scopes): a token for the upstream carries "
            "only the scopes named here");
  return c;
}

}  // namespace mcpgate::config
