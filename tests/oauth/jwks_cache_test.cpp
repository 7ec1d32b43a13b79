// JWKS cache: rotation, rate-limited refetch, last-good on failure, max-age, discovery
// (RFC 7517 §5, RFC 8414 §3, OIDC Discovery §4, RFC 8725 §3.10). Fake clock, fake sources.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "harness.hpp"
#include "oauth/as_metadata.hpp"
#include "oauth/p256_key_table.hpp"

namespace mcpgate::oauth::testing {
namespace {
using A = Algorithm;
using std::chrono::seconds;

TEST(JwksCache, RotatedKeyAcceptedAfterOneRefetch_Rfc7517_4_5) {
  Harness h;
  auto& k = TestKeys::get();
  ASSERT_TRUE(h.validate(mint(k.ec1, A::ES256, "ec1")).has_value());
  EXPECT_EQ(h.jwks->fetches.load(), 1);
  h.clock.advance(seconds(30));            // keys loaded a while ago
  h.jwks->set(k.jwks(/*with_ec2=*/true));  // the AS rotates in ec2
  auto r = h.validate(mint(k.ec2, A::ES256, "ec2"));
  ASSERT_TRUE(r.has_value()) << name(r.error());
  EXPECT_EQ(h.jwks->fetches.load(), 2);
}

// A refresh that brings the same P-256 key back keeps that key's verification table (built once,
// about 40 ms); a key new to the set gets a table of its own.
TEST(JwksCache, RefreshKeepsTheTableOfAKeyItAlreadyHad) {
  Harness h;
  auto& k = TestKeys::get();
  ASSERT_TRUE(h.keys->refresh());
  auto table_of = [&](const char* kid) {
    for (auto& key : h.keys->snapshot()->keys)
      if (key->kid == kid) return key->p256;
    return std::shared_ptr<LazyP256Table>();
  };
  auto before = table_of("ec1");
  ASSERT_TRUE(before);
  ASSERT_TRUE(before->get());
  h.jwks->set(k.jwks(/*with_ec2=*/true));
  ASSERT_TRUE(h.keys->refresh());
  EXPECT_EQ(table_of("ec1"), before) << "the same key, the same table";
  ASSERT_TRUE(table_of("ec2"));
  EXPECT_NE(table_of("ec2"), before);
  ASSERT_TRUE(h.validate(mint(k.ec1, A::ES256, "ec1")).has_value()) << "and it verifies";
}

TEST(JwksCache, BurstOfRandomKidsFetchesAtMostOncePerInterval_Rfc8725_3_10) {
  Harness h;
  auto& k = TestKeys::get();
  ASSERT_TRUE(h.validate(mint(k.ec1, A::ES256, "ec1")).has_value());
  h.clock.advance(seconds(30));  // the start-up fetch is no longer recent
  int before = h.jwks->fetches.load();
  for (int i = 0; i < 200; ++i) {
    auto r = h.validate(mint(k.ec_attacker, A::ES256, "random-" + std::to_string(i)));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), AuthError::unknown_key);
  }
  EXPECT_EQ(h.jwks->fetches.load() - before, 1);
  h.clock.advance(seconds(29));
  (void)h.validate(mint(k.ec_attacker, A::ES256, "random-late"));
  EXPECT_EQ(h.jwks->fetches.load() - before, 1);
  h.clock.advance(seconds(1));  // min_refetch_interval (30 s) has passed
  for (int i = 0; i < 50; ++i) (void)h.validate(mint(k.ec_attacker, A::ES256, "again-" + std::to_string(i)));
  EXPECT_EQ(h.jwks->fetches.load() - before, 2);
}

TEST(JwksCache, UnknownKidRightAfterAFetchDoesNotRefetch_Rfc8725_3_10) {
  Harness h;
  auto& k = TestKeys::get();
  ASSERT_TRUE(h.validate(mint(k.ec1, A::ES256, "ec1")).has_value());
  EXPECT_EQ(h.validate(mint(k.ec2, A::ES256, "ec2")).error(), AuthError::unknown_key);
  EXPECT_EQ(h.jwks->fetches.load(), 1);
}

TEST(JwksCache, FailedFetchKeepsLastGoodKeys) {
  FakeClock clock;
  auto state = std::make_shared<FakeJwksState>();
  state->set(TestKeys::get().jwks());
  JwksCache cache(std::make_unique<FakeJwksSource>(state), JwksCacheOptions{}, clock);
  ASSERT_TRUE(cache.refresh().has_value());
  state->failing = true;
  clock.advance(seconds(3600));
  EXPECT_FALSE(cache.refresh_if_due());
  EXPECT_EQ(state->fetches.load(), 2);
  auto found = cache.find(std::string("ec1"), A::ES256);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->size(), 1u);
}

TEST(JwksCache, GarbageDocumentKeepsLastGoodKeys) {
  FakeClock clock;
  auto state = std::make_shared<FakeJwksState>();
  state->set(TestKeys::get().jwks());
  JwksCache cache(std::make_unique<FakeJwksSource>(state), JwksCacheOptions{}, clock);
  ASSERT_TRUE(cache.refresh().has_value());
  state->set("{\"keys\":[],\"keys\":[]}");  // duplicate keys: not a key set
  EXPECT_FALSE(cache.refresh().has_value());
  EXPECT_TRUE(cache.find(std::string("ec1"), A::ES256).has_value());
}

TEST(JwksCache, NeverFetchedIsKeysUnavailableAndRateLimited) {
  FakeClock clock;
  auto state = std::make_shared<FakeJwksState>();
  state->failing = true;
  JwksCache cache(std::make_unique<FakeJwksSource>(state), JwksCacheOptions{}, clock);
  for (int i = 0; i < 10; ++i) {
    auto r = cache.find(std::string("ec1"), A::ES256);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), AuthError::keys_unavailable);
  }
  EXPECT_EQ(state->fetches.load(), 1);
}

TEST(JwksCache, MaxAgeSetsNextRefreshWithinBounds) {
  FakeClock clock;
  auto state = std::make_shared<FakeJwksState>();
  state->set(TestKeys::get().jwks());
  state->max_age = seconds(120);
  JwksCache cache(std::make_unique<FakeJwksSource>(state), JwksCacheOptions{}, clock);
  ASSERT_TRUE(cache.refresh().has_value());
  EXPECT_EQ(cache.next_refresh(), clock.now() + seconds(120));
  EXPECT_FALSE(cache.refresh_if_due());
  clock.advance(seconds(120));
  EXPECT_TRUE(cache.refresh_if_due());
  state->max_age = seconds(1);  // below min_refresh (60 s): clamped
  ASSERT_TRUE(cache.refresh().has_value());
  EXPECT_EQ(cache.next_refresh(), clock.now() + seconds(60));
  state->max_age.reset();  // no hint: default_refresh (600 s)
  ASSERT_TRUE(cache.refresh().has_value());
  EXPECT_EQ(cache.next_refresh(), clock.now() + seconds(600));
}

TEST(JwksCache, ConcurrentLookupsDuringRefreshAreSafe) {
  FakeClock clock;
  auto state = std::make_shared<FakeJwksState>();
  state->set(TestKeys::get().jwks());
  JwksCache cache(std::make_unique<FakeJwksSource>(state), JwksCacheOptions{}, clock);
  ASSERT_TRUE(cache.refresh().has_value());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        if (cache.find(std::string("ec1"), A::ES256)) ++ok;
    });
  for (int i = 0; i < 20; ++i) (void)cache.refresh();
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 800);
}

TEST(JwksCache, FileSourceRereadsTheFile) {
  auto path = std::filesystem::temp_directory_path() / ("mcpgate-jwks-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << TestKeys::get().jwks();
  FileJwksSource src(path);
  auto doc = src.fetch();
  ASSERT_TRUE(doc.has_value());
  EXPECT_TRUE(parse_jwks(doc->body).has_value());
  std::filesystem::remove(path);
  EXPECT_FALSE(src.fetch().has_value());
}

// RFC 8414 §3.1: the well-known suffix goes between host and path; OIDC Discovery §4 appends it.
TEST(AsMetadata, WellKnownUrlsInOrder_Rfc8414_3_1) {
  EXPECT_EQ(metadata_urls("https://as.example.com/tenant1"),
            (std::vector<std::string>{"https://as.example.com/.well-known/oauth-authorization-server/tenant1",
                                      "https://as.example.com/.well-known/openid-configuration/tenant1",
                                      "https://as.example.com/tenant1/.well-known/openid-configuration"}));
  EXPECT_EQ(metadata_urls("https://as.example.com"),
            (std::vector<std::string>{"https://as.example.com/.well-known/oauth-authorization-server",
                                      "https://as.example.com/.well-known/openid-configuration"}));
}

TEST(AsMetadata, DiscoveryFallsBackToOidcThenFetchesJwksUri_Rfc8414_3) {
  auto http = std::make_shared<FakeHttpFetcher>();
  std::string issuer = "http://127.0.0.1:9000/realms/x";
  http->routes["http://127.0.0.1:9000/.well-known/openid-configuration/realms/x"] = {
      200, R"({"issuer":"http://127.0.0.1:9000/realms/x","jwks_uri":"http://127.0.0.1:9000/certs"})", std::nullopt};
  http->routes["http://127.0.0.1:9000/certs"] = {200, TestKeys::get().jwks(), seconds(300)};
  MetadataJwksSource src(issuer, http);
  auto doc = src.fetch();
  ASSERT_TRUE(doc.has_value()) << doc.error().message;
  EXPECT_EQ(doc->max_age, seconds(300));
  ASSERT_EQ(http->requests.size(), 3u);
  EXPECT_EQ(http->requests[0].url, "http://127.0.0.1:9000/.well-known/oauth-authorization-server/realms/x");
}

TEST(AsMetadata, IssuerMismatchIsAHardFailure_Rfc8414_3_3) {
  auto http = std::make_shared<FakeHttpFetcher>();
  http->routes["http://127.0.0.1:9000/.well-known/oauth-authorization-server"] = {
      200, R"({"issuer":"http://127.0.0.1:9001","jwks_uri":"http://127.0.0.1:9000/certs"})", std::nullopt};
  http->routes["http://127.0.0.1:9000/.well-known/openid-configuration"] = {
      200, R"({"issuer":"http://127.0.0.1:9000","jwks_uri":"http://127.0.0.1:9000/certs"})", std::nullopt};
  MetadataJwksSource src("http://127.0.0.1:9000", http);
  EXPECT_FALSE(src.fetch().has_value());
  EXPECT_EQ(http->requests.size(), 1u);
}

TEST(AsMetadata, ParserRejectsDuplicatesAndWrongTypes_Rfc8414_2) {
  EXPECT_FALSE(parse_as_metadata(R"({"issuer":"a","issuer":"a"})", "a").has_value());
  EXPECT_FALSE(parse_as_metadata(R"({"issuer":"a","jwks_uri":5})", "a").has_value());
  EXPECT_FALSE(parse_as_metadata(R"({"issuer":"a","scopes_supported":"x"})", "a").has_value());
  auto m = parse_as_metadata(R"({"issuer":"a","scopes_supported":["x","y"],"introspection_endpoint":"http://i"})", "a");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->scopes_supported.size(), 2u);
  EXPECT_EQ(m->introspection_endpoint, "http://i");
}

TEST(HttpFetcher, UrlParsingAndInsecureHttpGuard) {
  auto u = parse_http_url("http://127.0.0.1:8080/a?b=1#f", false);
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/a?b=1");
  EXPECT_TRUE(parse_http_url("http://[::1]/x", false).has_value());
  EXPECT_FALSE(parse_http_url("http://idp.example.com/jwks", false).has_value());  // MITM-able
  EXPECT_TRUE(parse_http_url("http://idp.example.com/jwks", true).has_value());
  auto tls = parse_http_url("https://idp.example.com/jwks", false);  // verified TLS: no loopback rule
  ASSERT_TRUE(tls.has_value());
  EXPECT_TRUE(tls->tls());
  EXPECT_EQ(tls->port, 443);
  EXPECT_FALSE(parse_http_url("ftp://idp.example.com/jwks", true).has_value());
  EXPECT_FALSE(parse_http_url("http://user@127.0.0.1/", false).has_value());
  EXPECT_FALSE(parse_http_url("http://127.0.0.1:99999/", false).has_value());
}

TEST(HttpFetcher, PlainHttpOnlyToALoopbackAddressNotAPrefix) {
  // Regression: any host starting with "127." counted as loopback, so a key set could be fetched
  // in clear from 127.evil.example (a name on the network) without allow_insecure_http.
  for (auto url :
       {"http://127.evil.example/jwks", "http://127.0.0.1.nip.io/jwks", "http://127./jwks", "http://127.0.0.1./jwks",
        "http://localhost.evil.example/jwks", "http://0x7f.1/jwks", "http://2130706433/jwks"})
    EXPECT_FALSE(parse_http_url(url, false).has_value()) << url;
  for (auto url : {"http://127.0.0.2:1/jwks", "http://[::ffff:127.0.0.1]:1/jwks", "http://LOCALHOST:1/jwks"})
    EXPECT_TRUE(parse_http_url(url, false).has_value()) << url;
}

TEST(HttpFetcher, CacheControlMaxAge_Rfc9111_5_2_2_1) {
  EXPECT_EQ(parse_max_age("public, max-age=3600"), seconds(3600));
  EXPECT_EQ(parse_max_age("Max-Age=5"), seconds(5));
  EXPECT_EQ(parse_max_age("no-store, max-age=5"), std::nullopt);
  EXPECT_EQ(parse_max_age("max-age=-1"), std::nullopt);
  EXPECT_EQ(parse_max_age(""), std::nullopt);
}

}  // namespace
}  // namespace mcpgate::oauth::testing
