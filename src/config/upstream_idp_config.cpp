#include "config/upstream_idp_config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/fetched_url.hpp"

namespace mcpgate::config {
namespace {

std::string read_file(const YamlReader& r, const YAML::Node& n, const std::string& key) {
  auto path = r.str(n, key);
  std::ifstream in(path, std::ios::binary);
  if (!in) r.error(n, key, "cannot read " + path);
  std::ostringstream o;
  o << in.rdbuf();
  auto v = o.str();
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();  // editors add one
  if (v.empty()) r.error(n, key, path + " is empty");
  return v;
}

}  // namespace

AuthorizationServer::UpstreamIdp read_upstream_idp(const YamlReader& r, const YAML::Node& n, const std::string& key) {
  r.only_keys(n, key,
              {"name", "issuer", "client_id", "client_secret_env", "client_secret_file", "private_key_jwt", "scopes",
               "claims", "user_claim", "send_resource", "algorithms", "clock_skew_seconds", "ca_file",
               "recheck_on_refresh", "recheck_interval_seconds", "consent_prompt", "post_logout_redirect_uri"});
  AuthorizationServer::UpstreamIdp idp;
  if (!n["issuer"]) r.error(n, key + ".issuer", "is required");
  if (!n["client_id"]) r.error(n, key + ".client_id", "is required");
  idp.issuer = r.str(n["issuer"], key + ".issuer");
  // Discovery, keys and the token endpoint (with our secret) are fetched from here.
  check_fetched_url(r, n["issuer"], key + ".issuer", idp.issuer);
  // Compared exactly with the ID token's iss, so kept as written: a trailing '/' (Auth0) stays.
  idp.client_id = r.str(n["client_id"], key + ".client_id");
  if (n["name"]) idp.name = r.str(n["name"], key + ".name");
  int auth = int(bool(n["client_secret_env"])) + int(bool(n["client_secret_file"])) + int(bool(n["private_key_jwt"]));
  if (auth > 1) r.error(n, key, "give one of client_secret_env, client_secret_file or private_key_jwt");
  if (auto env = n["client_secret_env"]) {
    auto var = r.str(env, key + ".client_secret_env");
    const char* v = std::getenv(var.c_str());
    if (!v || !*v) r.error(env, key + ".client_secret_env", "the environment variable " + var + " is not set");
    idp.client_secret = v;
  }
  if (auto file = n["client_secret_file"]) idp.client_secret = read_file(r, file, key + ".client_secret_file");
  if (auto pk = n["private_key_jwt"]) {
    auto pkk = key + ".private_key_jwt";
    r.only_keys(pk, pkk, {"key_file", "key_id", "alg"});
    if (!pk["key_file"]) r.error(pk, pkk + ".key_file", "is required");
    idp.client_key_pem = read_file(r, pk["key_file"], pkk + ".key_file");
    if (pk["key_id"]) idp.client_key_id = r.str(pk["key_id"], pkk + ".key_id");
    if (pk["alg"]) idp.client_key_alg = r.str(pk["alg"], pkk + ".alg");
  }
  if (n["scopes"]) {
    idp.scopes = r.strings(n["scopes"], key + ".scopes");
    // Without openid the provider answers plain OAuth: no ID token, nobody signed in.
    if (std::find(idp.scopes.begin(), idp.scopes.end(), "openid") == idp.scopes.end())
      r.error(n["scopes"], key + ".scopes", "must include openid");
  }
  if (n["claims"]) idp.claims = r.strings(n["claims"], key + ".claims");
  if (n["user_claim"]) idp.user_claim = r.str(n["user_claim"], key + ".user_claim");
  if (n["send_resource"]) idp.send_resource = r.boolean(n["send_resource"], key + ".send_resource");
  if (n["algorithms"]) {
    idp.algorithms = r.strings(n["algorithms"], key + ".algorithms");
    for (auto& a : idp.algorithms)
      if (a.empty() || a.starts_with("HS") || a == "none")
        r.error(n["algorithms"], key + ".algorithms",
                "must name asymmetric JWS algorithms (RS256, ES256, PS256, EdDSA, …), never none or HS*");
  }
  if (n["clock_skew_seconds"])
    idp.clock_skew = std::chrono::seconds(r.number(n["clock_skew_seconds"], key + ".clock_skew_seconds", 0, 300));
  if (n["ca_file"]) idp.ca_file = r.str(n["ca_file"], key + ".ca_file");
  if (n["recheck_on_refresh"]) idp.recheck_on_refresh = r.boolean(n["recheck_on_refresh"], key + ".recheck_on_refresh");
  if (auto i = n["recheck_interval_seconds"]) {
    if (!idp.recheck_on_refresh) r.error(i, key + ".recheck_interval_seconds", "needs recheck_on_refresh: true");
    idp.recheck_interval = std::chrono::seconds(r.number(i, key + ".recheck_interval_seconds", 0, 86400));
  }
  if (auto c = n["consent_prompt"]) {
    if (!idp.recheck_on_refresh) r.error(c, key + ".consent_prompt", "needs recheck_on_refresh: true");
    idp.consent_prompt = r.boolean(c, key + ".consent_prompt");
  }
  if (auto u = n["post_logout_redirect_uri"]) {
    idp.post_logout_redirect_uri = r.str(u, key + ".post_logout_redirect_uri");
    check_fetched_url(r, u, key + ".post_logout_redirect_uri", idp.post_logout_redirect_uri);
  }
  return idp;
}

}  // namespace mcpgate::config
