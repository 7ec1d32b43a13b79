// The token bucket behind per-principal rates: driven by a clock the test moves, never by sleeping.
#include "gateway/token_bucket.hpp"

#include <gtest/gtest.h>

namespace mcpgate::gateway {
namespace {
using namespace std::chrono_literals;
using tp = TokenBucket::time_point;

TEST(TokenBucket, BurstThenRefusesWithTheWaitUntilTheNextToken) {
  tp t0{};
  TokenBucket b(2.0, 3.0, t0);  // 2/s, burst 3
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.take(t0), TokenBucket::duration::zero()) << i;
  auto wait = b.take(t0);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(wait), 500ms);
  EXPECT_EQ(TokenBucket::retry_after_seconds(wait), 1);  // rounded up, never 0
}

TEST(TokenBucket, RefillsAtTheRateAndNeverBeyondTheBurst) {
  tp t0{};
  TokenBucket b(10.0, 5.0, t0);
  for (int i = 0; i < 5; ++i) b.take(t0);
  EXPECT_NE(b.take(t0), TokenBucket::duration::zero());
  EXPECT_EQ(b.take(t0 + 100ms), TokenBucket::duration::zero());  // one token after 1/10 s
  EXPECT_NE(b.take(t0 + 100ms), TokenBucket::duration::zero());
  EXPECT_FALSE(b.full(t0 + 200ms));
  EXPECT_TRUE(b.full(t0 + 1h));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(b.take(t0 + 1h), TokenBucket::duration::zero()) << i;
  EXPECT_NE(b.take(t0 + 1h), TokenBucket::duration::zero());  // capped at the burst, not an hour's worth
}

TEST(TokenBucket, RetryAfterIsWholeSecondsRoundedUp) {
  tp t0{};
  TokenBucket b(0.25, 1.0, t0);  // one token every 4 s
  b.take(t0);
  auto wait = b.take(t0 + 1s);
  EXPECT_EQ(TokenBucket::retry_after_seconds(wait), 3);
  EXPECT_EQ(b.take(t0 + 4s), TokenBucket::duration::zero());
}

TEST(TokenBucket, AClockThatGoesBackAddsNothing) {
  tp t0 = tp{} + 10s;
  TokenBucket b(1.0, 1.0, t0);
  b.take(t0);
  EXPECT_NE(b.take(t0 - 5s), TokenBucket::duration::zero());
  EXPECT_EQ(b.take(t0 + 1s), TokenBucket::duration::zero());
}

}  // namespace
}  // namespace mcpgate::gateway
