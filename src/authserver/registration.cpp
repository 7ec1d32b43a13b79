// Dynamic client registration (RFC 7591).
#include "authserver/client_metadata.hpp"
#include "authserver/server_impl.hpp"
#include "core/secret.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Exchange;
using net::Request;
using net::Response;

// On the pool: storage.
Response AuthorizationServer::Impl::register_client(const Request& req, const std::string& ip) {
  auto t = clock_.now();
  if (!dcr_ip_->allowed("dcr:" + ip, t))
    return oauth_error_response(
        req, {OAuthError::invalid_request, "too many registrations from this address; try later", false, 429});
  if (!req[http::field::content_type].starts_with("application/json"))
    return oauth_error_response(req, {OAuthError::invalid_client_metadata, "the body must be application/json"});
  RedirectPolicy policy{true, opt_.dcr_allowed_redirect_schemes};
  auto c = parse_registration_request(req.body(), policy);
  if (!c) return oauth_error_response(req, {c.error().error, c.error().description});
  // Self-registered clients get only the user-facing grants: client_credentials, token
  // exchange and jwt-bearer mint tokens without a user's consent, so they need an operator.
  for (auto& g : c->grant_types)
    if (g != "authorization_code" && g != "refresh_token")
      return oauth_error_response(req, {OAuthError::invalid_client_metadata,
                                        "only authorization_code and refresh_token can be self-registered"});
  dcr_ip_->record("dcr:" + ip, t);
  c->client_id = random_.token(18);
  c->created_at = now();
  std::string secret;
  if (c->token_endpoint_auth_method == "client_secret_basic" || c->token_endpoint_auth_method == "client_secret_post") {
    secret = random_.token(32);
    c->secret_hash = sha256_hex(secret);
  }
  if (auto r = store_->put_client(*c); !r)
    return oauth_error_response(req, {OAuthError::server_error, "storage failure"});
  json::object out{{"client_id", c->client_id},
                   {"client_id_issued_at", c->created_at},
                   {"client_name", c->client_name},
                   {"redirect_uris", json::value_from(c->redirect_uris)},
                   {"grant_types", json::value_from(c->grant_types)},
                   {"response_types", json::array{"code"}},
                   {"token_endpoint_auth_method", c->token_endpoint_auth_method},
                   {"application_type", c->application_type}};
  if (!c->scope.empty()) out["scope"] = c->scope;
  if (!secret.empty()) {
    out["client_secret"] = secret;
    out["client_secret_expires_at"] = 0;
  }
  return json_response(req, http::status::created, out);
}

}  // namespace mcpgate::authserver
