// The provider's refresh token at rest: AES-256-GCM, bound to its record.
#include "authserver/token_sealer.hpp"

#include <gtest/gtest.h>

namespace mcpgate::authserver {
namespace {

TokenSealer sealer(char fill = 'k') {
  auto s = TokenSealer::create(Secret(std::string(32, fill)));
  EXPECT_TRUE(s.has_value());
  return *s;
}

TEST(TokenSealer, RoundTripAndFreshNonce) {
  auto s = sealer();
  auto a = s.seal("provider-refresh-token", "issuer#alice");
  auto b = s.seal("provider-refresh-token", "issuer#alice");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);  // a fresh nonce each time
  EXPECT_EQ(a->find("provider-refresh-token"), std::string::npos);
  auto o = s.open(*a, "issuer#alice");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->reveal(), "provider-refresh-token");
}

TEST(TokenSealer, TamperedValueIsRefused) {
  auto s = sealer();
  auto a = s.seal("provider-refresh-token", "issuer#alice");
  ASSERT_TRUE(a);
  for (std::size_t i : {std::size_t(0), a->size() / 2, a->size() - 2}) {
    auto t = *a;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(s.open(t, "issuer#alice")) << i;
  }
  EXPECT_FALSE(s.open(a->substr(0, 10), "issuer#alice"));
  EXPECT_FALSE(s.open("not base64url!", "issuer#alice"));
}

// A sealed value copied onto another user's record (write access to the database) does not open.
TEST(TokenSealer, WrongAssociatedDataIsRefused) {
  auto s = sealer();
  auto a = s.seal("provider-refresh-token", "issuer#alice");
  ASSERT_TRUE(a);
  EXPECT_FALSE(s.open(*a, "issuer#mallory"));
}

TEST(TokenSealer, AnotherKeyIsRefused) {
  auto a = sealer('k').seal("provider-refresh-token", "issuer#alice");
  ASSERT_TRUE(a);
  EXPECT_FALSE(sealer('j').open(*a, "issuer#alice"));
}

TEST(TokenSealer, KeyMustBe32Bytes) {
  EXPECT_FALSE(TokenSealer::create(Secret(std::string(16, 'k'))));
  EXPECT_FALSE(TokenSealer::create(Secret()));
}

}  // namespace
}  // namespace mcpgate::authserver
