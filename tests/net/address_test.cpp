// Loopback is decided from a parsed IP address or the exact name localhost. Regression: several
// places took any host starting with "127." for loopback, so "http://127.evil.example/" passed as
// plain-http loopback.
#include "net/address.hpp"

#include <gtest/gtest.h>

namespace mcpgate::net {
namespace {

TEST(IsLoopbackHost, LoopbackAddresses) {
  for (auto h : {"127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "[::1]", "0:0:0:0:0:0:0:1", "[0:0::1]",
                 "::ffff:127.0.0.1", "[::ffff:127.0.0.1]", "[::FFFF:127.1.2.3]", "localhost", "LOCALHOST", "LocalHost"})
    EXPECT_TRUE(is_loopback_host(h)) << h;
}

TEST(IsLoopbackHost, NamesThatOnlyLookLikeLoopbackAreNot) {
  // Regression: the prefix test "127." accepted every one of the first group.
  for (auto h : {"127.evil.example", "127.0.0.1.nip.io", "127.0.0.1.evil.example", "127.", "127.0.0.1.", "localhost.",
                 "localhost.evil.example", "localhost.localdomain", "evil-localhost", "mylocalhost"})
    EXPECT_FALSE(is_loopback_host(h)) << h;
}

TEST(IsLoopbackHost, ResolverDependentSpellingsAreRefused) {
  // inet_aton would read these as 127.0.0.1; inet_pton does not, and neither do we (fail closed).
  for (auto h : {"0x7f.1", "0x7f000001", "2130706433", "127.1", "0177.0.0.1", "127.0.1"})
    EXPECT_FALSE(is_loopback_host(h)) << h;
}

TEST(IsLoopbackHost, OtherAddressesAndMalformedInput) {
  for (auto h : {"",
                 "[]",
                 "[",
                 "[::1",
                 "::1]",
                 "0.0.0.0",
                 "::",
                 "10.0.0.1",
                 "128.0.0.1",
                 "126.255.255.255",
                 "::2",
                 "::ffff:10.0.0.1",
                 "::127.0.0.1",
                 "[127.0.0.1]",
                 "127.0.0.1:8080",
                 "[::1]:8080",
                 " 127.0.0.1",
                 "127.0.0.1 ",
                 "::1%1",
                 "evil.example"})
    EXPECT_FALSE(is_loopback_host(h)) << '"' << h << '"';
}

TEST(IsLoopbackUrl, HostIsTakenFromTheParsedAuthority) {
  EXPECT_TRUE(is_loopback_url("http://127.0.0.1:8080/callback"));
  EXPECT_TRUE(is_loopback_url("http://[::1]:8080/x"));
  EXPECT_TRUE(is_loopback_url("http://[::ffff:127.0.0.1]/"));
  EXPECT_TRUE(is_loopback_url("HTTP://LOCALHOST:1/"));
  EXPECT_TRUE(is_loopback_url("https://localhost"));
  // Userinfo: the host is what follows '@'.
  EXPECT_FALSE(is_loopback_url("http://127.0.0.1@evil.example/"));
  EXPECT_FALSE(is_loopback_url("http://localhost:80@evil.example/"));
  EXPECT_FALSE(is_loopback_url("http://127.evil.example:8080/"));
  EXPECT_FALSE(is_loopback_url("http://127.0.0.1.nip.io/"));
  EXPECT_FALSE(is_loopback_url("http://localhost.evil.example/"));
  EXPECT_FALSE(is_loopback_url("http://127.0.0.1./"));
  EXPECT_FALSE(is_loopback_url("http://0x7f.1/"));
  EXPECT_FALSE(is_loopback_url("http://2130706433/"));
  EXPECT_FALSE(is_loopback_url("http://127%2E0.0.1/"));  // percent-encoded dots are a name, not an address
  EXPECT_FALSE(is_loopback_url("127.0.0.1"));
  EXPECT_FALSE(is_loopback_url("/relative"));
  EXPECT_FALSE(is_loopback_url("file:///etc/passwd"));
  EXPECT_FALSE(is_loopback_url(""));
}

TEST(ParseAbsoluteUrl, AHostFollowedByAnythingButPortOrPathIsRefused) {
  // Regression: Boost.URL 1.81 reads these as host 127.0.0.1 with the path ".evil.example/cb", so
  // a redirect URI or issuer check on the host passed a URL that a browser sends to evil.example.
  for (auto u : {"http://127.0.0.1.evil.example/cb", "http://127.0.0.1.nip.io/cb", "http://127.0.0.1./cb",
                 "https://127.0.0.1.evil.example", "http://127.0.0.1.evil.example:8080/cb"}) {
    EXPECT_FALSE(parse_absolute_url(u).has_value()) << u;
    EXPECT_FALSE(is_loopback_url(u)) << u;
  }
  for (auto u : {"http://127.0.0.1/cb", "http://127.0.0.1", "http://127.0.0.1?x=1", "https://evil.example/cb",
                 "urn:ietf:params:oauth:x", "com.example.app:/callback"})
    EXPECT_TRUE(parse_absolute_url(u).has_value()) << u;
}

}  // namespace
}  // namespace mcpgate::net
