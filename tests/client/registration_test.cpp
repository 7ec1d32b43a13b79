#include "client/registration.hpp"

#include <gtest/gtest.h>

namespace mcpgate::client {
namespace {

AuthorizationTarget target(std::vector<std::string> methods = {}) {
  AuthorizationTarget t;
  t.token_auth_methods = std::move(methods);
  return t;
}

TEST(Registration, Rfc7591PublicClientIsRead) {
  auto c = read_registration(201, R"({"client_id":"abc","token_endpoint_auth_method":"none"})", target(),
                             "http://127.0.0.1:5/callback");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->client_id, "abc");
  EXPECT_EQ(c->auth_method, "none");
  EXPECT_TRUE(c->registered_here);
  EXPECT_EQ(c->redirect_uri, "http://127.0.0.1:5/callback");
}

TEST(Registration, SecretWithoutAMethodFollowsTheServersList) {
  auto c = read_registration(201, R"({"client_id":"abc","client_secret":"s"})", target({"client_secret_post"}), "r");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->auth_method, "client_secret_post");
  EXPECT_EQ(c->client_secret.reveal(), "s");
}

TEST(Registration, MethodNeedingASecretWithoutOneIsRefused) {
  EXPECT_FALSE(read_registration(201, R"({"client_id":"abc","token_endpoint_auth_method":"client_secret_basic"})",
                                 target(), "r"));
}

TEST(Registration, RefusalShowsTheServersErrorPrintably) {
  auto c = read_registration(400, "{\"error\":\"invalid_redirect_uri\",\"error_description\":\"bad\\r\\nx\"}", target(),
                             "r");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("invalid_redirect_uri"), std::string::npos);
  EXPECT_EQ(c.error().message.find('\n'), std::string::npos);
}

TEST(Registration, NoClientIdOrNotJsonIsRefused) {
  EXPECT_FALSE(read_registration(201, R"({"client_secret":"s"})", target(), "r"));
  EXPECT_FALSE(read_registration(201, "<html>", target(), "r"));
  EXPECT_FALSE(read_registration(201, R"({"client_id":""})", target(), "r"));
}

// RFC 8414 §2: no list means client_secret_basic.
TEST(Registration, AuthMethodChoice) {
  EXPECT_EQ(choose_auth_method(false, {"client_secret_basic"}), "none");
  EXPECT_EQ(choose_auth_method(true, {}), "client_secret_basic");
  EXPECT_EQ(choose_auth_method(true, {"client_secret_post", "client_secret_basic"}), "client_secret_basic");
  EXPECT_EQ(choose_auth_method(true, {"client_secret_post"}), "client_secret_post");
}

}  // namespace
}  // namespace mcpgate::client
