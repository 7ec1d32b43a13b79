// The HTTP answers every endpoint shares: JSON, HTML pages with their security headers, redirects.
#include "authserver/pages.hpp"
#include "authserver/server_impl.hpp"
#include "core/log.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Exchange;
using net::Request;
using net::Response;

Response AuthorizationServer::Impl::base_response(const Request& req, http::status status) {
  Response res{status, req.version()};
  res.set(http::field::server, "mcpgate");
  return res;
}

Response AuthorizationServer::Impl::json_response(const Request& req, http::status status, const json::value& body,
                                                  bool no_store) {
  auto res = base_response(req, status);
  res.set(http::field::content_type, "application/json");
  if (no_store) {
    res.set(http::field::cache_control, "no-store");
    res.set(http::field::pragma, "no-cache");
  }
  res.body() = json::serialize(body);
  return res;
}

Response AuthorizationServer::Impl::html(const Request& req, http::status status,
                                         const std::function<std::string(std::string_view)>& render) {
  auto nonce = random_.token(16);
  auto res = base_response(req, status);
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  // Clickjacking: the consent page must never be framed (RFC 9700 §4.16).
  res.set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-" + nonce +
                                         "'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'");
  res.set("X-Frame-Options", "DENY");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.body() = render(nonce);
  return res;
}

Response AuthorizationServer::Impl::error_page(const Request& req, http::status status, std::string_view title,
                                               std::string_view message) {
  return html(req, status, [&](std::string_view n) { return render_error(title, message, n); });
}

Response AuthorizationServer::Impl::redirect(const Request& req, std::string_view location, http::status status) {
  auto res = base_response(req, status);
  res.set(http::field::location, location);
  res.set(http::field::cache_control, "no-store");
  res.set("Referrer-Policy", "no-referrer");
  return res;
}

std::string_view AuthorizationServer::Impl::form_body(const Request& req) {
  auto ct = req[http::field::content_type];
  if (!ct.starts_with("application/x-www-form-urlencoded")) return {};
  return req.body();
}

// The pool is full: come back in a second (RFC 6749 §4.1.2.1 temporarily_unavailable; the
// same code at the other endpoints, with RFC 9110 §10.2.3 Retry-After).
Response AuthorizationServer::Impl::login_state_unavailable(const Request& req, const Error& e) {
  // Logged once per outage: a login flood during one must not flood the log too.
  if (!login_state_down_.exchange(true))
    log::error("authorization server: sign-in state unavailable, sign-in pages answer 503: " + e.message);
  Response res = error_page(req, http::status::service_unavailable, "Sign-in unavailable",
                            "Signing in is unavailable for a moment. Try again shortly from the application.");
  res.set(http::field::retry_after, "5");
  return res;
}

void AuthorizationServer::Impl::login_state_ok() {
  if (login_state_down_.exchange(false)) log::info("authorization server: sign-in state available again");
}

Response AuthorizationServer::Impl::busy(const Request& req, bool page) {
  Response res =
      page ? error_page(req, http::status::service_unavailable, "Busy",
                        "The authorization server is busy. Try again in a moment.")
           : oauth_error_response(req, {OAuthError::temporarily_unavailable, "the server is busy; retry shortly"});
  res.set(http::field::retry_after, "1");
  return res;
}

Response AuthorizationServer::Impl::method_not_allowed(const Request& req, std::string_view allow) {
  auto res = json_response(
      req, http::status::method_not_allowed,
      json::object{{"error", to_string(OAuthError::invalid_request)}, {"error_description", "method not allowed"}});
  res.set(http::field::allow, allow);
  return res;
}

}  // namespace mcpgate::authserver
