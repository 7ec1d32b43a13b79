// The parser of a token endpoint's answer (RFC 6749 §5.1, §5.2): what a remote authorization
// server says is untrusted, and what comes out is either a Bearer token fit for an Authorization
// header or a named reason with text safe to log and to show the client.
#include "exchange/token_response.hpp"

#include <gtest/gtest.h>

namespace mcpgate::exchange {
namespace {
using R = TokenError::Reason;

TEST(TokenResponse, SuccessWithScopeAndExpiresIn) {
  auto t = parse_token_response(
      200, R"({"access_token":"eyJ.abc.def","token_type":"Bearer","expires_in":300,"scope":"crm.read"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->access_token.reveal(), "eyJ.abc.def");
  EXPECT_EQ(t->expires_in, std::chrono::seconds(300));
  EXPECT_EQ(t->scope, "crm.read");
}

TEST(TokenResponse, NoExpiresInOrScopeLeavesThemUnsaid) {
  auto t = parse_token_response(200, R"({"access_token":"x","token_type":"Bearer"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->expires_in, std::chrono::seconds(0));
  EXPECT_EQ(t->scope, "");
}

// RFC 6749 §5.1: "The value is case insensitive."
TEST(TokenResponse, Rfc6749_5_1_TokenTypeIsCaseInsensitive) {
  for (auto type : {"bearer", "BEARER", "Bearer", "bEaReR"}) {
    auto t = parse_token_response(200, std::string(R"({"access_token":"x","token_type":")") + type + "\"}");
    EXPECT_TRUE(t) << type;
  }
}

// A DPoP or MAC token presented as Bearer would be refused by the upstream, or worse, accepted
// without its proof of possession: only Bearer is taken.
TEST(TokenResponse, NonBearerTokenTypeRefused) {
  for (auto type : {R"("DPoP")", R"("N_A")", R"("Bearerx")", R"("")", "1", "null"}) {
    auto t = parse_token_response(200, std::string(R"({"access_token":"x","token_type":)") + type + "}");
    ASSERT_FALSE(t) << type;
    EXPECT_EQ(t.error().reason, R::bad_answer);
  }
  auto t = parse_token_response(200, R"({"access_token":"x"})");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().reason, R::bad_answer);
}

TEST(TokenResponse, MissingOrEmptyAccessTokenIsABadAnswer) {
  for (auto body : {R"({"token_type":"Bearer"})", R"({"access_token":"","token_type":"Bearer"})",
                    R"({"access_token":42,"token_type":"Bearer"})"}) {
    auto t = parse_token_response(200, body);
    ASSERT_FALSE(t) << body;
    EXPECT_EQ(t.error().reason, R::bad_answer);
    EXPECT_EQ(t.error().oauth_error, "");
  }
}

// Header injection: the token goes into `Authorization: Bearer …` toward the upstream; a CR/LF or
// a space would let the authorization server split or extend that request.
TEST(TokenResponse, TokenOutsideVisibleAsciiRefused) {
  for (auto token : {R"(a\r\nX-Injected: 1)", "a b", "caf\xc3\xa9", R"(\u0000)"}) {
    auto t = parse_token_response(200, std::string(R"({"token_type":"Bearer","access_token":")") + token + "\"}");
    ASSERT_FALSE(t) << token;
    EXPECT_EQ(t.error().reason, R::bad_answer);
    EXPECT_EQ(t.error().description.find(token), std::string::npos);
  }
}

// A lifetime that no clock holds must not overflow the cache's expiry arithmetic.
TEST(TokenResponse, HugeOrNegativeExpiresInIsBounded) {
  auto t = parse_token_response(200, R"({"access_token":"x","token_type":"Bearer","expires_in":1e300})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->expires_in, kMaxExpiresIn);
  t = parse_token_response(200, R"({"access_token":"x","token_type":"Bearer","expires_in":18446744073709551615})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->expires_in, kMaxExpiresIn);
  t = parse_token_response(200, R"({"access_token":"x","token_type":"Bearer","expires_in":-5})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->expires_in, std::chrono::seconds(0));
  t = parse_token_response(200, R"({"access_token":"x","token_type":"Bearer","expires_in":"300"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->expires_in, std::chrono::seconds(0));
}

// RFC 6749 §5.2: the error answer names `error` and may add `error_description`.
TEST(TokenResponse, Rfc6749_5_2_ErrorAnswerNamesTheError) {
  auto t =
      parse_token_response(401, R"({"error":"invalid_client","error_description":"client authentication failed"})");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().reason, R::refused);
  EXPECT_EQ(t.error().oauth_error, "invalid_client");
  EXPECT_EQ(t.error().description, "client authentication failed");
}

// Log forging: a remote description with a newline or an escape could fake an audit line or
// drive a terminal; every byte outside printable ASCII becomes '?', and the text is bounded.
TEST(TokenResponse, ControlCharactersInTheErrorAreReplaced) {
  auto t = parse_token_response(
      400, R"({"error":"invalid_target\n","error_description":"bad\r\naudit: allow\u001b[31m caf\u00e9"})");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().oauth_error, "invalid_target?");
  EXPECT_EQ(t.error().description, "bad??audit: allow?[31m caf??");
  t = parse_token_response(400, R"({"error":"e","error_description":")" + std::string(5000, 'a') + "\"}");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().description.size(), 200u);
}

TEST(TokenResponse, ErrorStatusWithoutErrorNamesTheStatus) {
  auto t = parse_token_response(500, R"({"message":"oops"})");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().reason, R::refused);
  EXPECT_EQ(t.error().oauth_error, "HTTP 500");
}

TEST(TokenResponse, ServiceUnavailableIsBusy) {
  auto t = parse_token_response(503, R"({"error":"temporarily_unavailable"})");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().reason, R::busy);
  EXPECT_EQ(t.error().oauth_error, "temporarily_unavailable");
}

// A 503 comes as often from a load balancer in front of the server, with an HTML page, as from
// the server itself: busy either way, so that it is counted and reported as such.
TEST(TokenResponse, ServiceUnavailableWithoutJsonIsBusyToo) {
  auto t = parse_token_response(503, "<html><body>Service Unavailable</body></html>");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().reason, R::busy);
}

TEST(TokenResponse, NonJsonBody) {
  auto t = parse_token_response(200, "access_token=x&token_type=Bearer");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().reason, R::bad_answer);
  t = parse_token_response(200, R"(["access_token"])");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().reason, R::bad_answer);
  t = parse_token_response(400, "Bad Request");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().reason, R::refused);
  EXPECT_EQ(t.error().oauth_error, "");
}

// Strict JSON: with duplicate keys the gateway and another reader could see two different tokens.
TEST(TokenResponse, DuplicateKeysRefused) {
  auto t = parse_token_response(200, R"({"access_token":"a","access_token":"b","token_type":"Bearer"})");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().reason, R::bad_answer);
}

TEST(TokenResponse, ReasonNames) {
  EXPECT_STREQ(reason_name(R::unreachable), "unreachable");
  EXPECT_STREQ(reason_name(R::refused), "refused");
  EXPECT_STREQ(reason_name(R::bad_answer), "bad_answer");
  EXPECT_STREQ(reason_name(R::busy), "busy");
}

}  // namespace
}  // namespace mcpgate::exchange
