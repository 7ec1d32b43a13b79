// Token cache: hits cost no signature verification; bounded; expiry at min(exp, max_ttl);
// negative results cached briefly, transient ones never.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace mcpgate::oauth::testing {
namespace {
using A = Algorithm;
using std::chrono::seconds;

TEST(TokenCache, HitSkipsSignatureVerification) {
  Harness h;
  auto t = mint(TestKeys::get().ec1, A::ES256, "ec1");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(h.validate(t).has_value());
  EXPECT_EQ(h.verifier.count.load(), 1);
}

TEST(TokenCache, EntryEndsAtTokenExpiry_Rfc7519_4_1_4) {
  TokenCacheOptions o;
  o.max_ttl = seconds(3600);
  Harness h(o);
  auto t = mint(TestKeys::get().ec1, A::ES256, "ec1", with(default_claims(), "exp", kNow + 60));
  ASSERT_TRUE(h.validate(t).has_value());
  h.clock.advance(seconds(60));
  // Past exp the cache no longer answers; full validation (within leeway) runs again.
  ASSERT_TRUE(h.validate(t).has_value());
  EXPECT_EQ(h.verifier.count.load(), 2);
  h.clock.advance(seconds(30));
  auto r = h.validate(t);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), AuthError::expired);
}

TEST(TokenCache, EntryEndsAtMaxTtl) {
  TokenCacheOptions o;
  o.max_ttl = seconds(10);
  Harness h(o);
  auto t = mint(TestKeys::get().ec1, A::ES256, "ec1");
  ASSERT_TRUE(h.validate(t).has_value());
  h.clock.advance(seconds(9));
  ASSERT_TRUE(h.validate(t).has_value());
  EXPECT_EQ(h.verifier.count.load(), 1);
  h.clock.advance(seconds(1));
  ASSERT_TRUE(h.validate(t).has_value());
  EXPECT_EQ(h.verifier.count.load(), 2);
}

TEST(TokenCache, NegativeResultCachedBriefly) {
  Harness h;
  auto t = mint(TestKeys::get().ec_attacker, A::ES256, "ec1");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(h.validate(t).error(), AuthError::bad_signature);
  EXPECT_EQ(h.verifier.count.load(), 1);
  h.clock.advance(seconds(10));
  EXPECT_EQ(h.validate(t).error(), AuthError::bad_signature);
  EXPECT_EQ(h.verifier.count.load(), 2);
}

TEST(TokenCache, UnknownKidIsNotCachedSoRotationCanHeal) {
  Harness h;
  auto& k = TestKeys::get();
  auto t = mint(k.ec2, A::ES256, "ec2");
  EXPECT_EQ(h.validate(t).error(), AuthError::unknown_key);
  h.jwks->set(k.jwks(true));
  h.clock.advance(seconds(30));
  EXPECT_TRUE(h.validate(t).has_value());
}

TEST(TokenCache, BoundedLru) {
  FakeClock clock;
  TokenCache cache(TokenCacheOptions{4, 1, seconds(300), seconds(10)}, clock);
  auto p = std::make_shared<Principal>();
  p->expiry = clock.now() + seconds(600);
  for (int i = 0; i < 10; ++i) cache.put(TokenCache::key_for(std::to_string(i)), p);
  EXPECT_EQ(cache.size(), 4u);
  EXPECT_FALSE(cache.get(TokenCache::key_for("0")).has_value());
  EXPECT_TRUE(cache.get(TokenCache::key_for("9")).has_value());
}

TEST(TokenCache, KeyIsSha256NotTheToken) {
  auto k = TokenCache::key_for("secret-token-value");
  EXPECT_EQ(k.size(), 64u);
  EXPECT_EQ(k.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace mcpgate::oauth::testing
