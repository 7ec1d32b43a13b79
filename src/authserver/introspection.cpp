// Token introspection (RFC 7662).
#include "authserver/server_impl.hpp"
#include "core/secret.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Exchange;
using net::Request;
using net::Response;

net::awaitable<Response> AuthorizationServer::Impl::introspect_request(Exchange& ex) {
  const auto& req = ex.request();
  auto params = parse_form(form_body(req));
  if (!params)
    co_return oauth_error_response(req, {OAuthError::invalid_request, std::string(describe(params.error()))});
  // RFC 7662 §2.1: the endpoint must not be a token-scanning oracle for anonymous callers.
  auto client = co_await authenticate_client(req, *params, true);
  if (!client) co_return oauth_error_response(req, client.error());
  auto tok = params->find("token");
  if (tok == params->end()) co_return oauth_error_response(req, {OAuthError::invalid_request, "token is required"});
  // Signature verification and storage, on the pool.
  auto out = co_await pool_.run([&] { return introspection(tok->second, client->client.client_id); });
  co_return json_response(req, http::status::ok, out);
}

json::object AuthorizationServer::Impl::introspection(const std::string& token, const std::string& client_id) {
  if (auto at = verify_own_token(token)) {
    json::object out{{"active", true}, {"token_type", "Bearer"}};
    for (auto k : {"iss", "sub", "aud", "client_id", "scope", "exp", "iat", "jti", "act", "auth_time"})
      if (auto* v = at->if_contains(k)) out[k] = *v;
    return out;
  }
  auto rt = store_->get_refresh(sha256_hex(token), now());
  // A store error reads as inactive (RFC 7662 §2.2 lets the server say so for any token it cannot
  // vouch for): the caller refuses the token, it never trusts one we could not check. Refresh
  // tokens are shown only to the client they were issued to.
  if (rt && *rt && (*rt)->client_id == client_id) {
    json::object out{{"active", true},        {"token_type", "refresh_token"}, {"client_id", (*rt)->client_id},
                     {"sub", (*rt)->subject}, {"aud", (*rt)->resource},        {"exp", (*rt)->expires_at},
                     {"iss", opt_.issuer}};
    if (!(*rt)->scope.empty()) out["scope"] = (*rt)->scope;
    return out;
  }
  return json::object{{"active", false}};
}

}  // namespace mcpgate::authserver
