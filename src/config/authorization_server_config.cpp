#include "config/authorization_server_config.hpp"

#include <boost/url/parse.hpp>

namespace mcpgate::config {

AuthorizationServer read_authorization_server(const YamlReader& r, const YAML::Node& n) {
  const std::string k = "authorization_server";
  AuthorizationServer as;
  as.enabled = true;
  if (n.IsNull()) return as;
  r.only_keys(n, k,
              {"enabled", "issuer", "storage", "access_token_ttl_seconds", "refresh_token_ttl_seconds",
               "allow_loopback_http", "client_id_metadata_documents", "cimd_allow_private_addresses",
               "dynamic_client_registration", "dcr_allowed_redirect_schemes", "trusted_idps", "blocking_threads",
               "max_pending_requests", "blocking_nice", "max_concurrent_hashes"});
  if (n["enabled"]) as.enabled = r.boolean(n["enabled"], k + ".enabled");
  if (n["issuer"]) {
    as.issuer = r.str(n["issuer"], k + ".issuer");
    auto u = boost::urls::parse_absolute_uri(as.issuer);
    if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->has_query() || u->has_fragment() ||
        (!as.issuer.empty() && as.issuer.back() == '/'))
      r.error(n["issuer"], k + ".issuer",
              "must be an http(s) URL without query, fragment or trailing slash (RFC 8414 §2)");
  }
  if (n["storage"]) {
    as.storage = r.str(n["storage"], k + ".storage");
    if (!as.storage.starts_with("sqlite:")) r.error(n["storage"], k + ".storage", "must be sqlite:PATH");
  }
  if (n["access_token_ttl_seconds"])
    as.access_token_ttl =
        std::chrono::seconds(r.number(n["access_token_ttl_seconds"], k + ".access_token_ttl_seconds", 30, 86400));
  if (n["refresh_token_ttl_seconds"])
    as.refresh_token_ttl = std::chrono::seconds(
        r.number(n["refresh_token_ttl_seconds"], k + ".refresh_token_ttl_seconds", 60, 365 * 86400));
  if (n["allow_loopback_http"])
    as.allow_loopback_http = r.boolean(n["allow_loopback_http"], k + ".allow_loopback_http");
  if (n["client_id_metadata_documents"])
    as.client_id_metadata_documents = r.boolean(n["client_id_metadata_documents"], k + ".client_id_metadata_documents");
  if (n["cimd_allow_private_addresses"])
    as.cimd_allow_private_addresses = r.boolean(n["cimd_allow_private_addresses"], k + ".cimd_allow_private_addresses");
  if (n["dynamic_client_registration"])
    as.dynamic_client_registration = r.boolean(n["dynamic_client_registration"], k + ".dynamic_client_registration");
  if (n["dcr_allowed_redirect_schemes"])
    as.dcr_allowed_redirect_schemes = r.strings(n["dcr_allowed_redirect_schemes"], k + ".dcr_allowed_redirect_schemes");
  if (n["blocking_threads"])
    as.blocking_threads = std::size_t(r.number(n["blocking_threads"], k + ".blocking_threads", 1, 256));
  if (n["max_pending_requests"])
    as.max_pending_requests = std::size_t(r.number(n["max_pending_requests"], k + ".max_pending_requests", 1, 100000));
  if (n["blocking_nice"]) as.blocking_nice = int(r.number(n["blocking_nice"], k + ".blocking_nice", 0, 19));
  if (n["max_concurrent_hashes"])
    as.max_concurrent_hashes = std::size_t(r.number(n["max_concurrent_hashes"], k + ".max_concurrent_hashes", 0, 64));
  if (auto idps = n["trusted_idps"]) {
    if (!idps.IsSequence()) r.error(idps, k + ".trusted_idps", "must be a list");
    for (std::size_t i = 0; i < idps.size(); ++i) {
      auto ik = k + ".trusted_idps[" + std::to_string(i) + "]";
      r.only_keys(idps[i], ik, {"issuer", "jwks"});
      if (!idps[i]["issuer"] || !idps[i]["jwks"]) r.error(idps[i], ik, "needs issuer and jwks");
      as.trusted_idps.push_back({r.str(idps[i]["issuer"], ik + ".issuer"), idps[i]["jwks"].IsScalar()
                                                                               ? r.str(idps[i]["jwks"], ik + ".jwks")
                                                                               : yaml_to_json(idps[i]["jwks"])});
    }
  }
  return as;
}

}  // namespace mcpgate::config
