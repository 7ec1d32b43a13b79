#include "core/random.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <set>

#include "core/base64url.hpp"

namespace mcpgate {
namespace {

// Deterministic bytes: lets the test pin the exact token a given entropy produces.
class CountingRandom final : public Random {
 public:
  void fill(void* data, std::size_t size) override {
    auto* p = static_cast<unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<unsigned char>(next_++);
    requested_ += size;
  }
  std::size_t requested_ = 0;

 private:
  unsigned next_ = 0;
};

TEST(RandomToken, IsBase64urlOfTheRequestedBytes) {
  CountingRandom r;
  auto t = r.token(3);
  EXPECT_EQ(r.requested_, 3u);
  EXPECT_EQ(t, base64url_encode(std::string("\x00\x01\x02", 3)));
}

TEST(RandomToken, DefaultCarries192BitsInVisibleAscii) {
  CountingRandom r;
  auto t = r.token();
  EXPECT_EQ(r.requested_, 24u);
  EXPECT_EQ(t.size(), 32u);
  for (char c : t) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
  auto back = base64url_decode(t);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->size(), 24u);
}

TEST(RandomToken, ZeroBytesIsEmpty) {
  CountingRandom r;
  EXPECT_EQ(r.token(0), "");
}

TEST(SystemRandom, TokensDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(system_random().token()).second);
}

}  // namespace
}  // namespace mcpgate
