#include "config/authorization_server_config.hpp"

#include <boost/url/parse.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/upstream_idp_config.hpp"
#include "core/base64url.hpp"

namespace mcpgate::config {
namespace {

// The key that seals provider refresh tokens at rest: 32 random bytes, base64 (standard or url
// alphabet), from a file or the environment. Strict: a key that is not exactly 32 bytes is a
// start-up error, never a shorter key padded out.
void read_token_encryption_key(const YamlReader& r, const YAML::Node& n, const std::string& k,
                               AuthorizationServer& as) {
  auto file = n["token_encryption_key_file"];
  auto env = n["token_encryption_key_env"];
  bool needed = false;
  for (auto& idp : as.upstream_idps) needed = needed || idp.recheck_on_refresh;
  if (file && env) r.error(n, k, "give token_encryption_key_file or token_encryption_key_env, not both");
  if (!file && !env) {
    if (needed)
      r.error(n, k,
              "token_encryption_key_file or token_encryption_key_env is required with recheck_on_refresh (it seals "
              "the provider's refresh tokens at rest)");
    return;
  }
  auto node = file ? file : env;
  auto key = k + (file ? ".token_encryption_key_file" : ".token_encryption_key_env");
  std::string text;
  if (file) {
    auto path = r.str(file, key);
    std::ifstream in(path, std::ios::binary);
    if (!in) r.error(file, key, "cannot read " + path);
    std::ostringstream o;
    o << in.rdbuf();
    text = o.str();
  } else {
    auto var = r.str(env, key);
    const char* v = std::getenv(var.c_str());
    if (!v || !*v) r.error(env, key, "the environment variable " + var + " is not set");
    text = v;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  auto raw = base64_decode(text);
  if (!raw) raw = base64url_decode(text);
  if (!raw || raw->size() != 32) r.error(node, key, "must hold 32 random bytes in base64 (openssl rand -base64 32)");
  as.token_encryption_key = std::move(*raw);
}

}  // namespace

AuthorizationServer read_authorization_server(const YamlReader& r, const YAML::Node& n) {
  const std::string k = "authorization_server";
  AuthorizationServer as;
  as.enabled = true;
  if (n.IsNull()) return as;
  r.only_keys(n, k,
              {"enabled",
               "issuer",
               "storage",
               "access_token_ttl_seconds",
               "refresh_token_ttl_seconds",
               "revocation_reload_seconds",
               "allow_loopback_http",
               "client_id_metadata_documents",
               "cimd_allow_private_addresses",
               "dynamic_client_registration",
               "dcr_allowed_redirect_schemes",
               "trusted_idps",
               "upstream_idp",
               "upstream_idps",
               "token_encryption_key_file",
               "token_encryption_key_env",
               "blocking_threads",
               "max_pending_requests",
               "blocking_nice",
               "max_concurrent_hashes",
               "storage_pool_size",
               "storage_connect_timeout_seconds",
               "storage_statement_timeout_ms",
               "storage_password_env",
               "storage_password_file"});
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
    bool postgres = as.storage.starts_with("postgres://") || as.storage.starts_with("postgresql://");
    if (!as.storage.starts_with("sqlite:") && !postgres)
      r.error(n["storage"], k + ".storage", "must be sqlite:PATH or a postgres:// URL");
    // A password inside the URL would be printed wherever the configuration is shown: it comes
    // from storage_password_env/_file (or libpq's own PGPASSWORD / ~/.pgpass) instead.
    if (postgres) {
      auto u = boost::urls::parse_uri(as.storage);
      if (!u) r.error(n["storage"], k + ".storage", "is not a valid postgres:// URL");
      if (u && (u->has_password() || u->params().contains("password")))
        r.error(n["storage"], k + ".storage", "must not hold a password: use storage_password_env or _file");
    }
  }
  if (n["storage_pool_size"])
    as.storage_pool_size = std::size_t(r.number(n["storage_pool_size"], k + ".storage_pool_size", 1, 256));
  if (n["storage_connect_timeout_seconds"])
    as.storage_connect_timeout_seconds =
        int(r.number(n["storage_connect_timeout_seconds"], k + ".storage_connect_timeout_seconds", 1, 300));
  if (n["storage_statement_timeout_ms"])
    as.storage_statement_timeout_ms =
        int(r.number(n["storage_statement_timeout_ms"], k + ".storage_statement_timeout_ms", 10, 600000));
  if (n["storage_password_env"] && n["storage_password_file"])
    r.error(n, k, "give storage_password_env or storage_password_file, not both");
  if (n["storage_password_env"]) {
    auto var = r.str(n["storage_password_env"], k + ".storage_password_env");
    const char* v = std::getenv(var.c_str());
    if (!v || !*v)
      r.error(n["storage_password_env"], k + ".storage_password_env",
              "the environment variable " + var + " is not set");
    as.storage_password = v;
  }
  if (n["storage_password_file"]) {
    auto path = r.str(n["storage_password_file"], k + ".storage_password_file");
    std::ifstream in(path, std::ios::binary);
    if (!in) r.error(n["storage_password_file"], k + ".storage_password_file", "cannot read " + path);
    std::ostringstream o;
    o << in.rdbuf();
    as.storage_password = o.str();
    while (!as.storage_password.empty() && (as.storage_password.back() == '\n' || as.storage_password.back() == '\r'))
      as.storage_password.pop_back();  // editors add one
    if (as.storage_password.empty())
      r.error(n["storage_password_file"], k + ".storage_password_file", path + " is empty");
  }
  if (n["access_token_ttl_seconds"])
    as.access_token_ttl =
        std::chrono::seconds(r.number(n["access_token_ttl_seconds"], k + ".access_token_ttl_seconds", 30, 86400));
  if (n["revocation_reload_seconds"])
    as.revocation_reload =
        std::chrono::seconds(r.number(n["revocation_reload_seconds"], k + ".revocation_reload_seconds", 1, 3600));
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
  if (n["upstream_idp"] && n["upstream_idps"]) r.error(n, k, "give upstream_idp or upstream_idps, not both");
  if (auto one = n["upstream_idp"]) as.upstream_idps.push_back(read_upstream_idp(r, one, k + ".upstream_idp"));
  if (auto many = n["upstream_idps"]) {
    if (!many.IsSequence() || many.size() == 0) r.error(many, k + ".upstream_idps", "must be a non-empty list");
    for (std::size_t i = 0; i < many.size(); ++i)
      as.upstream_idps.push_back(read_upstream_idp(r, many[i], k + ".upstream_idps[" + std::to_string(i) + "]"));
  }
  read_token_encryption_key(r, n, k, as);
  return as;
}

}  // namespace mcpgate::config
