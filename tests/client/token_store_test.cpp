#include "client/token_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

namespace mcpgate::client {
namespace {
namespace fs = std::filesystem;

class TokenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mcpgate-store-XXXXXX";
    base_ = ::mkdtemp(tmpl);
    dir_ = base_ / "cfg";
  }
  void TearDown() override { fs::remove_all(base_); }
  fs::path base_, dir_;
};

StoredTokens tokens(const char* access, const char* scope) {
  StoredTokens t;
  t.access_token = Secret(access);
  t.refresh_token = Secret("r-" + std::string(access));
  t.expires_at = 1234;
  t.scope = scope;
  t.requested_scope = scope;
  return t;
}

TEST_F(TokenStoreTest, TokensAreKeptPerIssuerAndResourceInAPrivateFile) {
  TokenStore s(dir_);
  ASSERT_TRUE(s.put_tokens("https://as", "https://mcp/a", tokens("A", "mcp:read")));
  ASSERT_TRUE(s.put_tokens("https://as", "https://mcp/b", tokens("B", "mcp:write")));
  auto a = s.tokens("https://as", "https://mcp/a");
  ASSERT_TRUE(a && *a);
  EXPECT_EQ((*a)->access_token.reveal(), "A");
  EXPECT_EQ((*a)->refresh_token.reveal(), "r-A");
  EXPECT_EQ((*a)->expires_at, 1234);
  EXPECT_EQ((*a)->scope, "mcp:read");
  auto other = s.tokens("https://other-as", "https://mcp/a");
  ASSERT_TRUE(other);
  EXPECT_FALSE(*other);
  struct stat st {};
  ASSERT_EQ(::stat(s.file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

// MCP authorization "Client Registration": credentials are bound to the issuer.
TEST_F(TokenStoreTest, ClientsAreKeptPerIssuer) {
  TokenStore s(dir_);
  StoredClient c;
  c.client_id = "id1";
  c.client_secret = Secret("sec");
  c.auth_method = "client_secret_post";
  c.redirect_uri = "http://127.0.0.1:5/callback";
  c.registered_here = true;
  ASSERT_TRUE(s.put_client("https://as1", c));
  auto got = s.client("https://as1");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->client_id, "id1");
  EXPECT_EQ((*got)->client_secret.reveal(), "sec");
  EXPECT_EQ((*got)->auth_method, "client_secret_post");
  EXPECT_TRUE((*got)->registered_here);
  auto none = s.client("https://as2");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  ASSERT_TRUE(s.forget_client("https://as1"));
  EXPECT_FALSE(*s.client("https://as1"));
}

TEST_F(TokenStoreTest, LogoutForgetsOneEndpointOrAll) {
  TokenStore s(dir_);
  ASSERT_TRUE(s.put_tokens("https://as", "https://mcp/a", tokens("A", "")));
  ASSERT_TRUE(s.put_binding("https://mcp/a", {"https://as", "https://mcp/a"}));
  ASSERT_TRUE(s.put_tokens("https://as", "https://mcp/b", tokens("B", "")));
  ASSERT_TRUE(s.put_binding("https://mcp/b", {"https://as", "https://mcp/b"}));
  auto n = s.forget("https://mcp/a");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  EXPECT_FALSE(*s.tokens("https://as", "https://mcp/a"));
  EXPECT_FALSE(*s.binding("https://mcp/a"));
  EXPECT_TRUE(*s.tokens("https://as", "https://mcp/b"));
  n = s.forget("");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  EXPECT_FALSE(*s.tokens("https://as", "https://mcp/b"));
}

TEST_F(TokenStoreTest, DamagedFileIsAnErrorNotACrashOrAnEmptyStore) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "credentials.json") << "{\"tokens\": [1, 2";
  TokenStore s(dir_);
  auto t = s.tokens("a", "b");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("damaged"), std::string::npos);
  EXPECT_FALSE(s.put_tokens("a", "b", tokens("A", "")));  // nothing overwritten silently
}

}  // namespace
}  // namespace mcpgate::client
