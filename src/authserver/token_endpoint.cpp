// The token endpoint (RFC 6749 §3.2): the request read, the client authenticated, the grant run.
#include "authserver/scope_text.hpp"
#include "authserver/server_impl.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Exchange;
using net::Request;
using net::Response;

namespace {

// The in-process caller gets what the token endpoint would have answered: status, code, text.
AuthorizationServer::GrantError grant_error(const OAuthFailure& f) {
  return {http_status(f), std::string(to_string(f.error)), f.description};
}

}  // namespace

net::awaitable<Response> AuthorizationServer::Impl::token_request(Exchange& ex) {
  const auto& req = ex.request();
  auto fail_with = [&](const OAuthFailure& e) { return oauth_error_response(req, e); };
  if (!req[http::field::content_type].starts_with("application/x-www-form-urlencoded"))
    co_return fail_with({OAuthError::invalid_request, "the body must be application/x-www-form-urlencoded"});
  auto params = parse_form(req.body());
  if (!params) co_return fail_with({OAuthError::invalid_request, std::string(describe(params.error()))});
  auto grant = params->find("grant_type");
  if (grant == params->end()) co_return fail_with({OAuthError::invalid_request, "grant_type is required"});
  auto client = co_await authenticate_client(req, *params, false);
  if (!client) co_return fail_with(client.error());
  if (!contains(client->client.grant_types, grant->second))
    co_return fail_with({OAuthError::unauthorized_client, "the client may not use this grant type"});
  // Storage (group commit: the answer waits for the durable write) and signing, on the pool.
  OAuthResult<json::object> r = co_await pool_.run([&] { return run_grant(grant->second, *params, *client); });
  if (!r) co_return fail_with(r.error());
  co_return json_response(req, http::status::ok, *r);
}

net::awaitable<expected<json::object, AuthorizationServer::GrantError>> AuthorizationServer::Impl::internal_grant(
    Params form, std::string client_id) {
  auto grant = form.find("grant_type");
  if (grant == form.end() || (grant->second != kTokenExchange && grant->second != "client_credentials"))
    co_return unexpected(
        grant_error({OAuthError::unsupported_grant_type, "only token exchange and client_credentials"}));
  auto ticket = pool_.admit();
  if (!ticket)
    co_return unexpected(grant_error({OAuthError::temporarily_unavailable, "the authorization server is busy"}));
  AuthenticatedClient client;
  client.client.client_id = std::move(client_id);
  client.client.client_name = "mcpgate gateway";
  client.client.grant_types = {std::string(kTokenExchange), "client_credentials"};
  client.client.token_endpoint_auth_method = "internal";
  client.method = "internal";
  OAuthResult<json::object> r = co_await pool_.run([&] { return run_grant(grant->second, form, client); });
  if (!r) co_return unexpected(grant_error(r.error()));
  co_return std::move(*r);
}

OAuthResult<json::object> AuthorizationServer::Impl::run_grant(const std::string& g, const Params& params,
                                                               const AuthenticatedClient& client) {
  for (auto& grant : grants_)
    if (grant->type() == g) return grant->issue(*this, params, client);
  return oauth_error(OAuthError::unsupported_grant_type, "grant_type is not supported");
}

OAuthResult<const ProtectedResource*> AuthorizationServer::Impl::target_resource(const Params& p) {
  auto r = p.find("resource");
  auto a = p.find("audience");
  std::string target = r != p.end() ? r->second : a != p.end() ? a->second : std::string();
  if (target.empty()) return oauth_error(OAuthError::invalid_target, "resource is required (RFC 8707)");
  if (r != p.end() && a != p.end() && r->second != a->second)
    return oauth_error(OAuthError::invalid_target, "resource and audience name different targets");
  auto* res = find_resource(target);
  if (!res) return oauth_error(OAuthError::invalid_target, "resource is not a protected resource of this server");
  return res;
}

OAuthResult<std::string> AuthorizationServer::Impl::narrow_scope(const Params& p, const ProtectedResource& res,
                                                                 const std::vector<std::string>& ceiling,
                                                                 const std::vector<std::string>& fallback) {
  auto s = p.find("scope");
  std::vector<std::string> scopes = s == p.end() ? fallback : split_scope(s->second);
  std::vector<std::string> out;
  for (auto& w : scopes) {
    if (!valid_scope_token(w)) return oauth_error(OAuthError::invalid_scope, "malformed scope");
    bool ok = contains(res.scopes_supported, w) && (ceiling.empty() || contains(ceiling, w));
    if (!ok) {
      if (s != p.end()) return oauth_error(OAuthError::invalid_scope, "scope is not allowed");
      continue;  // fallback scopes are silently intersected
    }
    out.push_back(w);
  }
  return join_scope(out);
}

}  // namespace mcpgate::authserver
