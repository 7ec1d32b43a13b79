// DNS-rebinding defence (MCP transports, "Security Warning").
#include "net/origin_guard.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace mcpgate::net {
namespace {

OriginGuard loopback_guard() {
  return OriginGuard({}, {}, "http://127.0.0.1:8080", true);
}

TEST(HostName, StripsPortKeepsIpv6BracketsLowercases) {
  EXPECT_EQ(host_name("Example.COM:8080"), "example.com");
  EXPECT_EQ(host_name("localhost"), "localhost");
  EXPECT_EQ(host_name("[::1]:8080"), "[::1]");
  EXPECT_EQ(host_name("[::1]"), "[::1]");
  EXPECT_EQ(host_name("127.0.0.1:1"), "127.0.0.1");
}

TEST(OriginGuard, RebindingHostIsRejectedOnLoopback) {
  // The attacker's name now resolves to 127.0.0.1, but the browser still sends it as Host.
  auto g = loopback_guard();
  EXPECT_FALSE(g.host_allowed("evil.example"));
  EXPECT_FALSE(g.host_allowed("evil.example:8080"));
  EXPECT_FALSE(g.host_allowed("localhost.evil.example"));
  EXPECT_FALSE(g.host_allowed("127.0.0.1.nip.io:8080"));
  EXPECT_FALSE(g.host_allowed("")) << "HTTP/1.1 requires Host";
}

TEST(OriginGuard, LoopbackNamesWithAnyPortAreAcceptedOnLoopback) {
  auto g = loopback_guard();
  for (auto h : {"localhost", "localhost:8080", "LocalHost:1", "127.0.0.1", "127.0.0.1:8080", "[::1]", "[::1]:8080"})
    EXPECT_TRUE(g.host_allowed(h)) << h;
}

TEST(OriginGuard, NullOriginIsRejected) {
  // Sandboxed iframes and file:// pages send "null": no way to know who they are.
  auto g = loopback_guard();
  EXPECT_FALSE(g.origin_allowed("null"));
  EXPECT_FALSE(g.origin_allowed("NULL"));
  OriginGuard configured({}, {"null"}, "", false);
  EXPECT_FALSE(configured.origin_allowed("null")) << "not even when configured";
}

TEST(OriginGuard, AbsentOriginIsNotABrowserPage) {
  EXPECT_TRUE(loopback_guard().origin_allowed(""));
  EXPECT_TRUE(OriginGuard({}, {}, "", false).origin_allowed(""));
}

TEST(OriginGuard, LocalOriginsAreAcceptedOnLoopbackBinds) {
  auto g = loopback_guard();
  for (auto o : {"https://localhost:1234", "http://localhost:3000", "http://localhost", "http://127.0.0.1:5173",
                 "http://[::1]:8080", "HTTP://LOCALHOST:1"})
    EXPECT_TRUE(g.origin_allowed(o)) << o;
}

TEST(OriginGuard, ForeignOriginsAreRejectedOnLoopbackBinds) {
  auto g = loopback_guard();
  for (auto o : {"https://evil.example", "http://localhost.evil.example", "http://127.0.0.1.nip.io", "file://",
                 "ftp://localhost", "localhost", "chrome-extension://abc", "http://evil.example:80"})
    EXPECT_FALSE(g.origin_allowed(o)) << o;
}

TEST(OriginGuard, LoopbackIsDecidedFromTheParsedAddress) {
  // Regression: the Host and Origin were cut at the first ':' and compared as text, so
  // "localhost:evil" was localhost, and so was the origin "http://localhost:80@evil.example".
  auto g = loopback_guard();
  for (auto h : {"localhost:evil", "127.0.0.1@evil.example", "localhost:80@evil.example", "127.evil.example:8080",
                 "0x7f.1", "2130706433", "127.0.0.1.:8080", "[::1]x", "localhost.:1"})
    EXPECT_FALSE(g.host_allowed(h)) << h;
  for (auto h : {"127.0.0.2:8080", "[::ffff:127.0.0.1]:8080", "[0:0:0:0:0:0:0:1]"}) EXPECT_TRUE(g.host_allowed(h)) << h;
  for (auto o : {"http://localhost:80@evil.example", "http://localhost:8080.evil.example", "http://127.evil.example",
                 "http://127.0.0.1.evil.example", "http://localhost/path", "http://localhost?x", "http://0x7f.1"})
    EXPECT_FALSE(g.origin_allowed(o)) << o;
  for (auto o : {"http://127.0.0.2:3000", "http://[::ffff:127.0.0.1]:3000"}) EXPECT_TRUE(g.origin_allowed(o)) << o;
}

TEST(OriginGuard, PagesAlsoTakeTheOpaqueOriginOfTheirOwnForms) {
  // Under Referrer-Policy: no-referrer a browser posts a form with "Origin: null" (Fetch,
  // "append a request Origin header"); the authorization server's pages accept it, nothing else.
  auto g = loopback_guard();
  EXPECT_TRUE(g.page_origin_allowed("null"));
  EXPECT_TRUE(g.page_origin_allowed(""));
  EXPECT_TRUE(g.page_origin_allowed("http://127.0.0.1:8080"));
  EXPECT_FALSE(g.page_origin_allowed("https://evil.example")) << "a cross-site form post";
  EXPECT_FALSE(g.origin_allowed("null")) << "the MCP endpoint still refuses it";
}

TEST(OriginGuard, NonLoopbackBindUsesOnlyConfiguredNames) {
  OriginGuard g({"mcp.example.com", "Alt.Example.com:8443"}, {"https://App.example.com"}, "https://gw.example.com/base",
                false);
  EXPECT_TRUE(g.host_allowed("mcp.example.com"));
  EXPECT_TRUE(g.host_allowed("mcp.example.com:443"));
  EXPECT_TRUE(g.host_allowed("alt.example.com"));
  EXPECT_TRUE(g.host_allowed("gw.example.com")) << "the public URL's host is implied";
  EXPECT_FALSE(g.host_allowed("localhost")) << "localhost is implied only on loopback binds";
  EXPECT_FALSE(g.host_allowed("127.0.0.1"));
  EXPECT_FALSE(g.host_allowed("example.com"));

  EXPECT_TRUE(g.origin_allowed("https://app.example.com"));
  EXPECT_TRUE(g.origin_allowed("HTTPS://APP.EXAMPLE.COM"));
  EXPECT_TRUE(g.origin_allowed("https://gw.example.com")) << "the public URL's origin is implied";
  EXPECT_FALSE(g.origin_allowed("http://app.example.com")) << "scheme is part of the origin";
  EXPECT_FALSE(g.origin_allowed("https://app.example.com:444")) << "so is the port";
  EXPECT_FALSE(g.origin_allowed("http://localhost:1234"));
  EXPECT_FALSE(g.origin_allowed("https://evil.example"));
}

TEST(OriginGuard, ConfiguredOriginsAddToLoopbackDefaults) {
  OriginGuard g({"dev.internal"}, {"https://tool.example"}, "http://127.0.0.1:8080", true);
  EXPECT_TRUE(g.origin_allowed("https://tool.example"));
  EXPECT_TRUE(g.origin_allowed("http://localhost:1"));
  EXPECT_TRUE(g.host_allowed("dev.internal:8080"));
  EXPECT_FALSE(g.origin_allowed("https://other.example"));
}

TEST(OriginGuard, OpenWhenUnconfiguredAdmitsAnyNameOnNonLoopbackBindsOnly) {
  // The server library's default for a server on 0.0.0.0 with no names configured.
  OriginGuard open({}, {}, "", false, true);
  EXPECT_TRUE(open.host_allowed("mcp.example.com:8080"));
  EXPECT_TRUE(open.origin_allowed("https://app.example"));
  EXPECT_FALSE(open.origin_allowed("null")) << "an opaque origin is never a page we serve";
  EXPECT_FALSE(open.host_allowed("127.0.0.1@evil.example")) << "still parsed as an authority";
  // A loopback bind stays closed to foreign names (DNS rebinding), whatever the flag says.
  OriginGuard loopback({}, {}, "", true, true);
  EXPECT_FALSE(loopback.host_allowed("evil.example"));
  EXPECT_FALSE(loopback.origin_allowed("http://evil.example"));
  EXPECT_TRUE(loopback.host_allowed("[::1]:9000"));
  // Names configured: only those.
  OriginGuard named({"mcp.example.com"}, {"https://app.example"}, "", false, true);
  EXPECT_TRUE(named.host_allowed("MCP.example.com:443"));
  EXPECT_FALSE(named.host_allowed("other.example"));
  EXPECT_FALSE(named.origin_allowed("https://other.example"));
}

TEST(OriginGuard, AHostAdmittedByOneGuardIsJudgedAfreshByAnother) {
  // host_allowed remembers the last Host it admitted on this thread; that memory is the guard's
  // own. A second guard (another endpoint, or the one a reload builds) judges the same value by
  // its own lists, even when the first guard is gone and the second sits at its address.
  auto open = std::make_unique<OriginGuard>(std::vector<std::string>{}, std::vector<std::string>{}, "", false, true);
  EXPECT_TRUE(open->host_allowed("evil.example"));
  EXPECT_TRUE(open->host_allowed("evil.example")) << "the remembered verdict";
  open.reset();
  auto strict = std::make_unique<OriginGuard>(std::vector<std::string>{"mcp.example.com"}, std::vector<std::string>{},
                                              "", false, true);
  EXPECT_FALSE(strict->host_allowed("evil.example"));
  EXPECT_TRUE(strict->host_allowed("mcp.example.com"));
  EXPECT_FALSE(strict->host_allowed("mcp.example.com@evil.example")) << "not a prefix match on the memory";
  EXPECT_FALSE(strict->host_allowed("evil.example"));
}

}  // namespace
}  // namespace mcpgate::net
