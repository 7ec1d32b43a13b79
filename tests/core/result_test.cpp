#include "core/result.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace mcpgate {
namespace {

Result<int> half(int v) {
  if (v % 2) return fail("odd: " + std::to_string(v));
  return v / 2;
}

TEST(Result, CarriesValueOrReason) {
  auto ok = half(4);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 2);
  auto bad = half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "odd: 3");
}

TEST(Result, VoidAndMoveOnly) {
  Result<void> ok;
  EXPECT_TRUE(ok.has_value());
  Result<void> bad = fail("no");
  EXPECT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "no");

  Result<std::unique_ptr<int>> p = std::make_unique<int>(7);
  ASSERT_TRUE(p);
  auto owned = std::move(*p);
  EXPECT_EQ(*owned, 7);
}

}  // namespace
}  // namespace mcpgate
