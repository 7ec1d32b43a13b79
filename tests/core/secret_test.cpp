#include "core/secret.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <type_traits>

namespace mcpgate {
namespace {

template <class T>
concept Streamable = requires(std::ostream& os, const T& t) {
  os << t;
};

// A secret must not reach a log line or a message by accident.
static_assert(!Streamable<Secret>);
static_assert(!std::is_convertible_v<Secret, std::string>);
static_assert(!std::is_convertible_v<Secret, std::string_view>);
static_assert(!std::is_convertible_v<std::string, Secret>);

TEST(Sha256Hex, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Secret, RevealsOnlyByName) {
  Secret s("token-value");
  EXPECT_EQ(s.reveal(), "token-value");
  EXPECT_FALSE(s.empty());
  EXPECT_TRUE(Secret().empty());
}

TEST(Secret, FingerprintIsShortHashPrefixNotTheValue) {
  Secret s("abc");
  EXPECT_EQ(s.fingerprint(), "ba7816bf8f01");
  EXPECT_EQ(s.fingerprint().find("abc"), std::string::npos);
  EXPECT_NE(Secret("abd").fingerprint(), s.fingerprint());
}

TEST(Secret, CopiesAndMovesKeepTheValue) {
  Secret a("k");
  Secret b = a;
  EXPECT_EQ(b.reveal(), "k");
  Secret c = std::move(a);
  EXPECT_EQ(c.reveal(), "k");
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "xbc"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("abc", ""));
  EXPECT_TRUE(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace mcpgate
