// The one mapping from an OAuth error to its HTTP answer: status, JSON body and headers.
#include "authserver/oauth_error.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace mcpgate::authserver {
namespace {
namespace http = boost::beast::http;

net::Request token_request() {
  net::Request req{http::verb::post, "/token", 11};
  return req;
}

boost::json::object body_of(const net::Response& res) {
  return boost::json::parse(res.body()).as_object();
}

struct Expected {
  OAuthError error;
  std::string_view code;
  unsigned status;
};

// Every code the server sends, its `error` text and its status.
constexpr Expected kAll[] = {
    {OAuthError::invalid_request, "invalid_request", 400},
    {OAuthError::invalid_client, "invalid_client", 401},
    {OAuthError::invalid_grant, "invalid_grant", 400},
    {OAuthError::unauthorized_client, "unauthorized_client", 400},
    {OAuthError::unsupported_grant_type, "unsupported_grant_type", 400},
    {OAuthError::invalid_scope, "invalid_scope", 400},
    {OAuthError::unsupported_response_type, "unsupported_response_type", 400},
    {OAuthError::access_denied, "access_denied", 400},
    {OAuthError::server_error, "server_error", 500},
    {OAuthError::temporarily_unavailable, "temporarily_unavailable", 503},
    {OAuthError::invalid_target, "invalid_target", 400},
    {OAuthError::invalid_client_metadata, "invalid_client_metadata", 400},
    {OAuthError::invalid_redirect_uri, "invalid_redirect_uri", 400},
    {OAuthError::login_required, "login_required", 400},
    {OAuthError::consent_required, "consent_required", 400},
    {OAuthError::request_not_supported, "request_not_supported", 400},
    {OAuthError::not_found, "not_found", 404},
};

// RFC 6749 §5.2 (and RFC 7591 §3.2.2, RFC 8707 §2): `error` is the code, `error_description` the
// text, the body JSON; §5.1: the answer is never cached.
TEST(OAuthErrorMapping, Rfc6749Section5_2_EachCodeHasItsStatusAndJsonBody) {
  for (auto& e : kAll) {
    SCOPED_TRACE(std::string(e.code));
    EXPECT_EQ(to_string(e.error), e.code);
    EXPECT_EQ(http_status(e.error), e.status);
    auto res = oauth_error_response(token_request(), {e.error, "why it failed"});
    EXPECT_EQ(res.result_int(), e.status);
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_EQ(res[http::field::cache_control], "no-store");
    EXPECT_EQ(res[http::field::pragma], "no-cache");
    auto body = body_of(res);
    EXPECT_EQ(body.at("error").as_string(), e.code);
    EXPECT_EQ(body.at("error_description"), "why it failed");
    EXPECT_EQ(body.size(), 2u);
    EXPECT_TRUE(res[http::field::www_authenticate].empty());
  }
}

TEST(OAuthErrorMapping, Rfc6749Section5_2_EmptyDescriptionIsLeftOut) {
  auto body = body_of(oauth_error_response(token_request(), {OAuthError::invalid_grant, ""}));
  EXPECT_EQ(body.size(), 1u);
  EXPECT_EQ(body.at("error"), "invalid_grant");
}

// RFC 6749 §5.2: a client that tried the Authorization header gets 401 with WWW-Authenticate.
TEST(OAuthErrorMapping, Rfc6749Section5_2_InvalidClientAfterBasicCarriesTheChallenge) {
  auto res = oauth_error_response(token_request(), {OAuthError::invalid_client, "client authentication failed", true});
  EXPECT_EQ(res.result_int(), 401u);
  EXPECT_EQ(res[http::field::www_authenticate], "Basic realm=\"mcpgate\"");
  EXPECT_EQ(body_of(res).at("error"), "invalid_client");
  // Without the header (client_secret_post, a JWT assertion, none): 401, no challenge.
  auto post = oauth_error_response(token_request(), {OAuthError::invalid_client, "client authentication failed"});
  EXPECT_EQ(post.result_int(), 401u);
  EXPECT_TRUE(post[http::field::www_authenticate].empty());
}

// RFC 6749 §4.1.2.1 temporarily_unavailable, with RFC 9110 §10.2.3 Retry-After.
TEST(OAuthErrorMapping, Rfc6749Section4_1_2_1_TemporarilyUnavailableIs503WithRetryAfter) {
  auto res = oauth_error_response(token_request(), {OAuthError::temporarily_unavailable, "busy"});
  EXPECT_EQ(res.result_int(), 503u);
  EXPECT_EQ(res[http::field::retry_after], "1");
  EXPECT_TRUE(oauth_error_response(token_request(), {OAuthError::server_error, "x"})[http::field::retry_after].empty());
}

// The two answers whose status is not the error's own: a registration flood (RFC 6585 §4) and a
// revocation that could not be stored (RFC 7009 §2.2.1: 503, the client retries).
TEST(OAuthErrorMapping, Rfc7009Section2_2_1_AndRfc6585Section4_StatusOverridesKeepTheCode) {
  auto flood = oauth_error_response(token_request(), {OAuthError::invalid_request, "too many", false, 429});
  EXPECT_EQ(flood.result_int(), 429u);
  EXPECT_EQ(body_of(flood).at("error"), "invalid_request");
  auto revoke = oauth_error_response(token_request(), {OAuthError::server_error, "storage failure", false, 503});
  EXPECT_EQ(revoke.result_int(), 503u);
  EXPECT_EQ(body_of(revoke).at("error"), "server_error");
  EXPECT_EQ(http_status(OAuthFailure{OAuthError::server_error, "", false, 503}), 503u);
}

TEST(OAuthErrorMapping, OauthErrorBuildsAFailureWithTheErrorsOwnStatus) {
  OAuthResult<int> r = oauth_error(OAuthError::invalid_scope, "scope exceeds the original grant");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, OAuthError::invalid_scope);
  EXPECT_EQ(r.error().description, "scope exceeds the original grant");
  EXPECT_FALSE(r.error().basic_challenge);
  EXPECT_EQ(http_status(r.error()), 400u);
}

}  // namespace
}  // namespace mcpgate::authserver
