// HTTPS_PROXY and NO_PROXY as curl reads them: which https connections go through a proxy.
#include "net/proxy.hpp"

#include <gtest/gtest.h>

namespace mcpgate::net {
namespace {

TEST(Proxy, ParsesProxyUrls) {
  auto p = parse_proxy_url("http://proxy.internal:3128");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "proxy.internal");
  EXPECT_EQ(p->port, 3128);
  EXPECT_TRUE(p->authorization.empty());
  p = parse_proxy_url("http://user:secret@[fd00::1]:8000/");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "fd00::1");
  EXPECT_EQ(p->port, 8000);
  EXPECT_EQ(p->authorization, "Basic dXNlcjpzZWNyZXQ=");
  EXPECT_EQ(parse_proxy_url("proxy:9000")->port, 9000) << "scheme-less, as curl accepts";
  EXPECT_FALSE(parse_proxy_url("socks5://proxy:1080")) << "only http:// proxies (CONNECT)";
  EXPECT_FALSE(parse_proxy_url("http://proxy:99999"));
}

TEST(Proxy, NoProxyMatchesNamesAndTheirSubdomains) {
  EXPECT_TRUE(no_proxy_matches("*", "idp.example.com"));
  EXPECT_TRUE(no_proxy_matches("example.com", "idp.example.com"));
  EXPECT_TRUE(no_proxy_matches(" .example.com ,other", "idp.example.com"));
  EXPECT_TRUE(no_proxy_matches("other, IDP.example.com:443", "idp.example.com"));
  EXPECT_TRUE(no_proxy_matches("10.0.0.5", "10.0.0.5"));
  EXPECT_FALSE(no_proxy_matches("example.com", "badexample.com")) << "a suffix match is on a label boundary";
  EXPECT_FALSE(no_proxy_matches("", "idp.example.com"));
}

TEST(Proxy, LoopbackNeverGoesThroughAProxy) {
  ::setenv("HTTPS_PROXY", "http://proxy.internal:3128", 1);
  ::setenv("NO_PROXY", "corp.example", 1);
  EXPECT_FALSE(https_proxy_for("127.0.0.1"));
  EXPECT_FALSE(https_proxy_for("localhost"));
  EXPECT_FALSE(https_proxy_for("idp.corp.example"));
  auto p = https_proxy_for("login.microsoftonline.com");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "proxy.internal");
  ::unsetenv("HTTPS_PROXY");
  ::unsetenv("NO_PROXY");
  EXPECT_FALSE(https_proxy_for("login.microsoftonline.com"));
}

}  // namespace
}  // namespace mcpgate::net
