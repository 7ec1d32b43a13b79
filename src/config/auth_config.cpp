#include "config/auth_config.hpp"

#include <boost/url/parse.hpp>

#include "config/fetched_url.hpp"
#include "config/tls_config.hpp"
#include "oauth/algorithm.hpp"

namespace mcpgate::config {

Auth read_auth(const YamlReader& r, const YAML::Node& a, const std::string& key) {
  r.only_keys(a, key,
              {"anonymous", "resource", "resource_name", "resource_documentation", "scopes_supported",
               "required_scopes", "authorization_servers", "issuers", "introspection", "token_cache"});
  Auth out;
  if (a["anonymous"]) out.anonymous = r.boolean(a["anonymous"], key + ".anonymous");
  if (a["resource"]) {
    out.resource = r.str(a["resource"], key + ".resource");
    auto u = boost::urls::parse_absolute_uri(out.resource);
    if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->has_fragment())
      r.error(a["resource"], key + ".resource", "must be an absolute http(s) URL without a fragment (RFC 8707)");
  }
  if (a["resource_name"]) out.resource_name = r.str(a["resource_name"], key + ".resource_name");
  if (a["resource_documentation"])
    out.resource_documentation = r.str(a["resource_documentation"], key + ".resource_documentation");
  if (a["scopes_supported"]) out.scopes_supported = r.strings(a["scopes_supported"], key + ".scopes_supported");
  if (a["required_scopes"]) out.required_scopes = r.strings(a["required_scopes"], key + ".required_scopes");
  if (a["authorization_servers"])
    out.authorization_servers = r.strings(a["authorization_servers"], key + ".authorization_servers");
  if (auto is = a["issuers"]) {
    if (!is.IsSequence()) r.error(is, key + ".issuers", "must be a list");
    for (std::size_t i = 0; i < is.size(); ++i) {
      auto k = key + ".issuers[" + std::to_string(i) + "]";
      auto n = is[i];
      r.only_keys(n, k,
                  {"issuer", "algorithms", "jwks_uri", "jwks_file", "jwks", "shared_secret", "require_at_jwt",
                   "leeway_seconds", "jwks_min_refetch_seconds", "tls"});
      Issuer iss;
      if (!n["issuer"]) r.error(n, k + ".issuer", "is required");
      iss.issuer = r.str(n["issuer"], k + ".issuer");
      if (n["algorithms"]) {
        iss.algorithms = r.strings(n["algorithms"], k + ".algorithms");
        for (std::size_t j = 0; j < iss.algorithms.size(); ++j) {
          auto& alg = iss.algorithms[j];
          if (!oauth::parse_algorithm(alg)) r.error(n["algorithms"][j], k + ".algorithms", "unknown algorithm " + alg);
          if (alg.starts_with("HS") && !n["shared_secret"])
            r.error(n["algorithms"][j], k + ".algorithms", alg + " needs an explicit shared_secret");
        }
      }
      int sources = 0;
      if (n["jwks_uri"]) {
        iss.jwks_uri = r.str(n["jwks_uri"], k + ".jwks_uri"), ++sources;
        check_fetched_url(r, n["jwks_uri"], k + ".jwks_uri", iss.jwks_uri);
      }
      if (n["jwks_file"]) iss.jwks_file = r.str(n["jwks_file"], k + ".jwks_file"), ++sources;
      if (n["jwks"]) {
        ++sources;
        if (n["jwks"].IsScalar())
          iss.jwks_inline = r.str(n["jwks"], k + ".jwks");
        else
          iss.jwks_inline = yaml_to_json(n["jwks"]);
      }
      if (sources > 1) r.error(n, k, "give at most one of jwks_uri, jwks_file and jwks");
      if (n["tls"]) {
        // TLS settings apply to what is fetched: the jwks_uri, or the issuer's metadata.
        if (!iss.jwks_file.empty() || !iss.jwks_inline.empty())
          r.error(n["tls"], k + ".tls", "applies to jwks_uri or metadata discovery, not to jwks_file or jwks");
        iss.tls = read_tls_client(r, n["tls"], k + ".tls");
      }
      if (n["shared_secret"]) iss.shared_secret = r.str(n["shared_secret"], k + ".shared_secret");
      if (n["require_at_jwt"]) iss.require_access_token_type = r.boolean(n["require_at_jwt"], k + ".require_at_jwt");
      if (n["leeway_seconds"])
        iss.leeway = std::chrono::seconds(r.number(n["leeway_seconds"], k + ".leeway_seconds", 0, 600));
      if (n["jwks_min_refetch_seconds"])
        iss.jwks_min_refetch =
            std::chrono::seconds(r.number(n["jwks_min_refetch_seconds"], k + ".jwks_min_refetch_seconds", 0, 86400));
      out.issuers.push_back(std::move(iss));
    }
  }
  if (auto in = a["introspection"]) {
    auto k = key + ".introspection";
    r.only_keys(in, k, {"endpoint", "client_id", "client_secret", "auth_method", "issuer", "max_cache_seconds", "tls"});
    Introspection i;
    if (!in["endpoint"]) r.error(in, k + ".endpoint", "is required");
    i.endpoint = r.str(in["endpoint"], k + ".endpoint");
    if (!boost::urls::parse_absolute_uri(i.endpoint))
      r.error(in["endpoint"], k + ".endpoint", "is not an absolute URL");
    check_fetched_url(r, in["endpoint"], k + ".endpoint", i.endpoint);
    if (in["client_id"]) i.client_id = r.str(in["client_id"], k + ".client_id");
    if (in["client_secret"]) i.client_secret = r.str(in["client_secret"], k + ".client_secret");
    if (in["auth_method"]) {
      auto m = r.str(in["auth_method"], k + ".auth_method");
      if (m == "client_secret_post")
        i.client_secret_post = true;
      else if (m != "client_secret_basic")
        r.error(in["auth_method"], k + ".auth_method", "must be client_secret_basic or client_secret_post");
    }
    if (in["issuer"]) i.issuer = r.str(in["issuer"], k + ".issuer");
    if (in["tls"]) i.tls = read_tls_client(r, in["tls"], k + ".tls");
    if (in["max_cache_seconds"])
      i.max_cache = std::chrono::seconds(r.number(in["max_cache_seconds"], k + ".max_cache_seconds", 0, 3600));
    out.introspection = std::move(i);
  }
  if (auto tc = a["token_cache"]) {
    r.only_keys(tc, key + ".token_cache", {"max_entries", "max_ttl_seconds"});
    if (tc["max_entries"])
      out.token_cache_entries = r.number(tc["max_entries"], key + ".token_cache.max_entries", 0, 10'000'000);
    if (tc["max_ttl_seconds"])
      out.token_cache_max_ttl =
          std::chrono::seconds(r.number(tc["max_ttl_seconds"], key + ".token_cache.max_ttl_seconds", 0, 86400));
  }
  if (out.anonymous && (!out.issuers.empty() || out.introspection))
    r.error(a, key, "anonymous: true cannot be combined with issuers or introspection");
  // Neither issuers nor introspection: the endpoint trusts the embedded authorization server
  // (checked once the whole file is read).
  return out;
}

}  // namespace mcpgate::config
