// The route table: which path and method reach which endpoint, and admission to the blocking pool.
#include "authserver/server_impl.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Exchange;
using net::Request;
using net::Response;

net::awaitable<bool> AuthorizationServer::Impl::handle(Exchange& ex) {
  const auto& req = ex.request();
  std::string_view target = req.target();
  auto q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);

  auto is = [&](std::string_view p) { return path == prefix_ + std::string(p) || (!prefix_.empty() && path == p); };
  bool meta = path == "/.well-known/oauth-authorization-server" + prefix_ ||
              path == "/.well-known/openid-configuration" + prefix_ ||
              path == prefix_ + "/.well-known/openid-configuration";
  enum {
    none,
    metadata_ep,
    authorize,
    login,
    consent,
    idp_choice,
    idp_callback,
    token,
    registration,
    jwks,
    introspect,
    revoke,
    logout
  } which = none;
  if (meta)
    which = metadata_ep;
  else if (is("/authorize"))
    which = authorize;
  else if (path == prefix_ + "/authorize/login")
    which = login;
  else if (path == prefix_ + "/authorize/consent")
    which = consent;
  else if (path == prefix_ + "/authorize/idp")
    which = idp_choice;
  else if (path == prefix_ + "/idp/callback")
    which = idp_callback;
  else if (is("/token"))
    which = token;
  else if (is("/register"))
    which = registration;
  else if (path == prefix_ + "/jwks")
    which = jwks;
  else if (path == prefix_ + "/introspect")
    which = introspect;
  else if (path == prefix_ + "/revoke")
    which = revoke;
  else if (path == prefix_ + "/logout")
    which = logout;
  if (which == none) co_return false;

  maintenance();
  auto method = req.method();
  // Every endpoint but the two static documents does blocking work on the pool: it takes a
  // place there first, or is refused at once when the pool is full (a flood of token, login or
  // registration requests then costs a 503, not a growing queue and the gateway's memory).
  BlockingPool::Ticket ticket;
  if (which != metadata_ep && which != jwks) {
    ticket = pool_.admit();
    if (!ticket) {
      co_await ex.respond(busy(req, which == authorize || which == login || which == consent || which == idp_choice ||
                                        which == idp_callback || which == logout));
      co_return true;
    }
  }
  auto only = [&](std::initializer_list<http::verb> allowed) {
    return std::find(allowed.begin(), allowed.end(), method) != allowed.end();
  };
  Response res;
  switch (which) {
    case metadata_ep:
      if (!only({http::verb::get, http::verb::head})) {
        res = method_not_allowed(req, "GET");
        break;
      }
      res = json_response(req, http::status::ok, metadata(), false);
      res.set(http::field::cache_control, "public, max-age=300");
      res.set(http::field::access_control_allow_origin, "*");
      break;
    case jwks:
      if (!only({http::verb::get, http::verb::head})) {
        res = method_not_allowed(req, "GET");
        break;
      }
      res = json_response(req, http::status::ok, keys_.jwks(now()), false);
      res.set(http::field::content_type, "application/jwk-set+json");
      res.set(http::field::cache_control, "public, max-age=300");
      res.set(http::field::access_control_allow_origin, "*");
      break;
    case authorize:
      if (method == http::verb::get) {
        Response r = co_await authorize_request(ex, query);
        res = std::move(r);
      } else if (method == http::verb::post) {
        Response r = co_await authorize_request(ex, form_body(req));
        res = std::move(r);
      } else {
        res = method_not_allowed(req, "GET, POST");
      }
      break;
    case login:
      if (method == http::verb::post) {
        auto ip = ex.peer_address();
        Response r = co_await pool_.run([&] { return login_post(req, ip); });
        res = std::move(r);
      } else {
        res = method_not_allowed(req, "POST");
      }
      break;
    case consent:
      if (method == http::verb::post) {
        Response r = co_await pool_.run([&] { return consent_post(req); });
        res = std::move(r);
      } else {
        res = method_not_allowed(req, "POST");
      }
      break;
    case idp_choice:
    case idp_callback:
      // Federation (federated_login.cpp): top-level GET navigations, from our choice page and back
      // from the provider.
      if (method == http::verb::get) {
        bool callback = which == idp_callback;
        Response r = co_await pool_.run(
            [&] { return callback ? federated_callback(req, query) : federated_choice(req, query); });
        res = std::move(r);
      } else {
        res = method_not_allowed(req, "GET");
      }
      break;
    case token:
      // g++ 12 mishandles co_await inside a conditional expression (the temporary is destroyed
      // twice): every co_await here is a statement of its own.
      if (method == http::verb::post) {
        Response r = co_await token_request(ex);
        res = std::move(r);
      } else {
        res = method_not_allowed(req, "POST");
      }
      break;
    case registration:
      if (!opt_.dcr_enabled)
        res = oauth_error_response(req, {OAuthError::not_found, "dynamic client registration is disabled"});
      else if (method == http::verb::post) {
        auto ip = ex.peer_address();
        Response r = co_await pool_.run([&] { return register_client(req, ip); });
        res = std::move(r);
      } else {
        res = method_not_allowed(req, "POST");
      }
      break;
    case introspect:
      if (method == http::verb::post) {
        Response r = co_await introspect_request(ex);
        res = std::move(r);
      } else {
        res = method_not_allowed(req, "POST");
      }
      break;
    case logout:
      // logout.cpp: GET shows the confirmation, POST (with the form's CSRF token) signs out.
      if (method == http::verb::get || method == http::verb::post) {
        bool post = method == http::verb::post;
        Response r = co_await pool_.run([&] { return post ? logout_post(req) : logout_page(req); });
        res = std::move(r);
      } else {
        res = method_not_allowed(req, "GET, POST");
      }
      break;
    case revoke:
      if (method == http::verb::post) {
        Response r = co_await revoke_request(ex);
        res = std::move(r);
      } else {
        res = method_not_allowed(req, "POST");
      }
      break;
    case none:
      break;
  }
  // The work is done: the place goes back before the answer is written, so a client that reads
  // slowly does not hold it.
  ticket = BlockingPool::Ticket();
  co_await ex.respond(std::move(res));
  co_return true;
}

}  // namespace mcpgate::authserver
