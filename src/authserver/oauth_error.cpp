#include "authserver/oauth_error.hpp"

#include <array>
#include <boost/json.hpp>
#include <utility>

namespace mcpgate::authserver {
namespace http = boost::beast::http;

namespace {

constexpr std::array<std::pair<OAuthError, std::string_view>, 17> kNames{{
    {OAuthError::invalid_request, "invalid_request"},
    {OAuthError::invalid_client, "invalid_client"},
    {OAuthError::invalid_grant, "invalid_grant"},
    {OAuthError::unauthorized_client, "unauthorized_client"},
    {OAuthError::unsupported_grant_type, "unsupported_grant_type"},
    {OAuthError::invalid_scope, "invalid_scope"},
    {OAuthError::unsupported_response_type, "unsupported_response_type"},
    {OAuthError::access_denied, "access_denied"},
    {OAuthError::server_error, "server_error"},
    {OAuthError::temporarily_unavailable, "temporarily_unavailable"},
    {OAuthError::invalid_target, "invalid_target"},
    {OAuthError::invalid_client_metadata, "invalid_client_metadata"},
    {OAuthError::invalid_redirect_uri, "invalid_redirect_uri"},
    {OAuthError::login_required, "login_required"},
    {OAuthError::consent_required, "consent_required"},
    {OAuthError::request_not_supported, "request_not_supported"},
    {OAuthError::not_found, "not_found"},
}};

}  // namespace

std::string_view to_string(OAuthError error) {
  for (auto& [e, name] : kNames)
    if (e == error) return name;
  return "server_error";
}

unsigned http_status(OAuthError error) {
  switch (error) {
    case OAuthError::invalid_client:
      return 401;
    case OAuthError::server_error:
      return 500;
    case OAuthError::temporarily_unavailable:
      return 503;
    case OAuthError::not_found:
      return 404;
    default:
      return 400;
  }
}

unsigned http_status(const OAuthFailure& failure) {
  return failure.status_override ? failure.status_override : http_status(failure.error);
}

net::Response oauth_error_response(const net::Request& req, const OAuthFailure& failure) {
  boost::json::object body{{"error", to_string(failure.error)}};
  if (!failure.description.empty()) body["error_description"] = failure.description;
  net::Response res{http::status(http_status(failure)), req.version()};
  res.set(http::field::server, "mcpgate");
  res.set(http::field::content_type, "application/json");
  // Token responses and their errors are never cached (RFC 6749 §5.1).
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::pragma, "no-cache");
  if (failure.basic_challenge) res.set(http::field::www_authenticate, "Basic realm=\"mcpgate\"");
  if (failure.error == OAuthError::temporarily_unavailable) res.set(http::field::retry_after, "1");
  res.body() = boost::json::serialize(body);
  return res;
}

}  // namespace mcpgate::authserver
