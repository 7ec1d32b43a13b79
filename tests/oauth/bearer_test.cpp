// Bearer extraction (RFC 6750 §2.1, §3.1; RFC 7235 §2.1 token68).
#include "oauth/bearer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace mcpgate::oauth {
namespace {

struct Case {
  const char* name;
  std::vector<HeaderField> headers;
  std::optional<AuthError> expected;
  const char* token = "";
};

const std::vector<Case>& cases() {
  static const std::string big = "Bearer " + std::string(8 * 1024 + 1, 'a');
  static const std::string at_limit = "Bearer " + std::string(8 * 1024, 'a');
  static const std::vector<Case> c = {
      {"Plain_Rfc6750_2_1", {{"Authorization", "Bearer abc.def-ghi_jkl~"}}, std::nullopt, "abc.def-ghi_jkl~"},
      {"SchemeCaseInsensitive_Rfc7235_2_1", {{"authorization", "bEaReR abc"}}, std::nullopt, "abc"},
      {"Token68Padding_Rfc7235_2_1", {{"AUTHORIZATION", "Bearer ab+/c=="}}, std::nullopt, "ab+/c=="},
      {"SeveralSpaces_Rfc6750_2_1", {{"Authorization", "Bearer   abc"}}, std::nullopt, "abc"},
      {"OtherHeadersIgnored", {{"X-Token", "Bearer x"}, {"Authorization", "Bearer abc"}}, std::nullopt, "abc"},
      {"AtSizeLimit", {{"Authorization", at_limit}}, std::nullopt, nullptr},
      {"NoHeader_Rfc6750_3_1", {{"Host", "x"}}, AuthError::missing_token},
      {"BasicScheme_Rfc6750_3_1", {{"Authorization", "Basic dXNlcjpwYXNz"}}, AuthError::missing_token},
      {"DpopScheme_Rfc9449_7_1", {{"Authorization", "DPoP abc"}}, AuthError::missing_token},
      {"BearerPrefixOfAnotherScheme", {{"Authorization", "Bearerabc"}}, AuthError::missing_token},
      {"TokenInQueryHeaderIsNotLooked", {{"X-Query", "access_token=abc"}}, AuthError::missing_token},
      {"Duplicate_Rfc6750_3_1",
       {{"Authorization", "Bearer a"}, {"authorization", "Bearer b"}},
       AuthError::duplicate_authorization},
      {"DuplicateEvenIfOtherScheme",
       {{"Authorization", "Basic x"}, {"Authorization", "Bearer b"}},
       AuthError::duplicate_authorization},
      {"TooLarge", {{"Authorization", big}}, AuthError::token_too_large},
      {"EmptyToken_Rfc6750_2_1", {{"Authorization", "Bearer"}}, AuthError::malformed_token},
      {"OnlySpaces", {{"Authorization", "Bearer    "}}, AuthError::malformed_token},
      {"TwoTokens_Rfc7235_2_1", {{"Authorization", "Bearer a b"}}, AuthError::malformed_token},
      {"NotToken68Comma", {{"Authorization", "Bearer a,b"}}, AuthError::malformed_token},
      {"PaddingInMiddle", {{"Authorization", "Bearer a=b"}}, AuthError::malformed_token},
      {"OnlyPadding", {{"Authorization", "Bearer =="}}, AuthError::malformed_token},
      {"ControlCharacter", {{"Authorization", "Bearer a\tb"}}, AuthError::malformed_token},
      {"NonAscii", {{"Authorization", "Bearer \xc3\xa9t\xc3\xa9"}}, AuthError::malformed_token},
  };
  return c;
}

class Bearer : public ::testing::TestWithParam<Case> {};

TEST_P(Bearer, Extract) {
  auto r = extract_bearer(GetParam().headers);
  if (GetParam().expected) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(name(r.error()), name(*GetParam().expected));
  } else {
    ASSERT_TRUE(r.has_value()) << name(r.error());
    if (GetParam().token) {
      EXPECT_EQ(r->reveal(), GetParam().token);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Rfc6750, Bearer, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace mcpgate::oauth
