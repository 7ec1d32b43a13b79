// URLs the fetcher is told to fetch: regressions found by fuzz/oauth/fuzz_http_fetcher (seeds
// named after them).
#include "oauth/http_url.hpp"

#include <gtest/gtest.h>

namespace mcpgate::oauth {
namespace {

// Bug: spaces and control characters went through into the host and the request target, so a
// jwks_uri or introspection endpoint (from a remote metadata document) with "\r\n" in its path
// wrote extra header lines into the request (request splitting against the fetched host), and
// one with a space in its host reached the resolver.
TEST(HttpUrl, RefusesSpacesAndControlCharacters_Rfc3986_2) {
  EXPECT_FALSE(parse_http_url("http://127.0.0.1/jwks HTTP/1.1\r\nX-Injected: 1", false).has_value());
  EXPECT_FALSE(parse_http_url("http://127.0.0.1/a\nb", false).has_value());
  EXPECT_FALSE(parse_http_url("http://127.0.0.1 .evil/", true).has_value());
  EXPECT_FALSE(parse_http_url("http://idp.example/\x7f", true).has_value());
  EXPECT_FALSE(parse_http_url("http://idp.example/\xc3\xa9", true).has_value());  // raw UTF-8: percent-encode it
  EXPECT_TRUE(parse_http_url("http://idp.example/%20%0D%0A?q=a%20b", true).has_value());
}

// Bug: "http://[]/" was accepted with an empty host (the brackets of an empty IPv6 literal were
// stripped after the emptiness check), leaving the resolver to decide where it goes.
TEST(HttpUrl, RefusesAnEmptyIpLiteral_Rfc3986_3_2_2) {
  EXPECT_FALSE(parse_http_url("http://[]/", true).has_value());
  EXPECT_FALSE(parse_http_url("http://[]:80/", true).has_value());
  auto u = parse_http_url("http://[::1]:8080/jwks", false);
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->host, "::1");
}

}  // namespace
}  // namespace mcpgate::oauth
