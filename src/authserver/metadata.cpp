// RFC 8414 authorization server metadata (also served for OpenID discovery).
#include <set>

#include "authserver/server_impl.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Exchange;
using net::Request;
using net::Response;

json::object AuthorizationServer::Impl::metadata() const {
  json::array scopes;
  std::set<std::string> seen;
  for (auto& r : opt_.resources)
    for (auto& s : r.scopes_supported)
      if (seen.insert(s).second) scopes.emplace_back(s);
  json::array grant_types;
  for (auto& g : grants_) grant_types.emplace_back(g->type());
  json::object m{
      {"issuer", opt_.issuer},
      {"authorization_endpoint", endpoint("/authorize")},
      {"token_endpoint", endpoint("/token")},
      {"jwks_uri", endpoint("/jwks")},
      {"introspection_endpoint", endpoint("/introspect")},
      {"revocation_endpoint", endpoint("/revoke")},
      {"response_types_supported", json::array{"code"}},
      {"response_modes_supported", json::array{"query"}},
      {"grant_types_supported", std::move(grant_types)},
      {"code_challenge_methods_supported", json::array{"S256"}},
      {"token_endpoint_auth_methods_supported",
       json::array{"none", "client_secret_basic", "client_secret_post", "private_key_jwt"}},
      {"token_endpoint_auth_signing_alg_values_supported", json::array{"ES256", "ES384", "RS256", "PS256", "EdDSA"}},
      {"introspection_endpoint_auth_methods_supported",
       json::array{"client_secret_basic", "client_secret_post", "private_key_jwt"}},
      {"revocation_endpoint_auth_methods_supported",
       json::array{"none", "client_secret_basic", "client_secret_post", "private_key_jwt"}},
      {"scopes_supported", std::move(scopes)},
      {"client_id_metadata_document_supported", opt_.cimd_enabled},
      {"authorization_response_iss_parameter_supported", true},
      {"subject_types_supported", json::array{"public"}},
      {"id_token_signing_alg_values_supported", json::array{"ES256"}},
      {"prompt_values_supported", json::array{"none", "login", "consent"}},
  };
  if (opt_.dcr_enabled) m["registration_endpoint"] = endpoint("/register");
  return m;
}

}  // namespace mcpgate::authserver
