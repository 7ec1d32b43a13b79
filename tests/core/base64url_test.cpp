#include "core/base64url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mcpgate {
namespace {

struct Vector {
  std::string bytes;
  std::string text;
};

// RFC 4648 §10 test vectors, without padding (§5 as JWS and PKCE use it).
const Vector kRfc4648[] = {
    {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
    {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
};

TEST(Base64url, EncodesRfc4648Vectors) {
  for (const auto& v : kRfc4648) EXPECT_EQ(base64url_encode(v.bytes), v.text) << "input: " << v.bytes;
}

TEST(Base64url, DecodesRfc4648Vectors) {
  for (const auto& v : kRfc4648) {
    auto decoded = base64url_decode(v.text);
    ASSERT_TRUE(decoded.has_value()) << v.text;
    EXPECT_EQ(*decoded, v.bytes);
  }
}

TEST(Base64url, UsesUrlSafeAlphabet) {
  // 0xFB 0xFF 0xBF is "+/+/" in the standard alphabet.
  EXPECT_EQ(base64url_encode("\xFB\xFF\xBF"), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_"), std::string("\xFB\xFF\xBF"));
  EXPECT_EQ(base64url_encode("\xFB\xFF"), "-_8");
}

TEST(Base64url, RejectsStandardAlphabetCharacters) {
  EXPECT_FALSE(base64url_decode("+/+/"));
  EXPECT_FALSE(base64url_decode("ab+d"));
  EXPECT_FALSE(base64url_decode("ab/d"));
}

TEST(Base64url, RejectsPadding) {
  EXPECT_FALSE(base64url_decode("Zg=="));
  EXPECT_FALSE(base64url_decode("Zm8="));
  EXPECT_FALSE(base64url_decode("Zg="));
  EXPECT_FALSE(base64url_decode("===="));
}

TEST(Base64url, RejectsWhitespaceAndControlCharacters) {
  EXPECT_FALSE(base64url_decode("Zm9v\n"));
  EXPECT_FALSE(base64url_decode(" Zm9v"));
  EXPECT_FALSE(base64url_decode("Zm 9v"));
  EXPECT_FALSE(base64url_decode(std::string("Zm9v\0", 5)));
  EXPECT_FALSE(base64url_decode("Zm9v\r\n"));
}

TEST(Base64url, RejectsImpossibleLength) {
  // One leftover character carries only 6 bits: no byte can end there.
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zm9vY"));
}

TEST(Base64url, RejectsNonCanonicalTrailingBits) {
  // "Zg" is the only encoding of "f"; "Zh".."Zv" carry non-zero unused bits and would let two
  // different strings stand for the same signature bytes.
  for (char c : std::string("hijklmnopqrstuv")) EXPECT_FALSE(base64url_decode(std::string("Z") + c)) << c;
  EXPECT_FALSE(base64url_decode("Zm9"));  // "Zm8" is canonical for "fo"
  EXPECT_FALSE(base64url_decode("Zm_"));
}

TEST(Base64url, RejectsHighBytes) {
  EXPECT_FALSE(base64url_decode("Zm9\xC3\xA9"));
  EXPECT_FALSE(base64url_decode("\xFF\xFF\xFF\xFF"));
}

TEST(Base64url, RoundTripsEveryByteValueAtEveryLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= all.size(); n += 7) {
    auto bytes = all.substr(all.size() - n);
    auto text = base64url_encode(bytes);
    EXPECT_EQ(text.find('='), std::string::npos);
    auto back = base64url_decode(text);
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, bytes);
  }
}

TEST(Base64, PaddedVectors) {
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("\xFB\xFF"), "+/8=");
  EXPECT_EQ(base64_decode("Zg=="), std::string("f"));
  EXPECT_EQ(base64_decode("Zm8="), std::string("fo"));
  EXPECT_EQ(base64_decode("+/8="), std::string("\xFB\xFF"));
}

TEST(Base64, RejectsMissingOrMisplacedPadding) {
  EXPECT_FALSE(base64_decode("Zg"));
  EXPECT_FALSE(base64_decode("Zg="));
  EXPECT_FALSE(base64_decode("Z==="));
  EXPECT_FALSE(base64_decode("Zg=a"));
  EXPECT_FALSE(base64_decode("=Zg="));
  EXPECT_FALSE(base64_decode("Zh=="));  // non-canonical trailing bits
  EXPECT_FALSE(base64_decode("-_8="));  // URL alphabet is not the standard one
}

}  // namespace
}  // namespace mcpgate
