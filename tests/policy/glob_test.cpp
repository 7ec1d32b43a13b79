#include "policy/glob.hpp"

#include <gtest/gtest.h>

using mcpgate::policy::glob_match;

TEST(Glob, LiteralAndWildcards) {
  EXPECT_TRUE(glob_match("get_customer", "get_customer"));
  EXPECT_FALSE(glob_match("get_customer", "get_customers"));
  EXPECT_TRUE(glob_match("get_*", "get_customer"));
  EXPECT_TRUE(glob_match("get_*", "get_"));
  EXPECT_FALSE(glob_match("get_*", "update_customer"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*_customer", "update_customer"));
  EXPECT_TRUE(glob_match("g?t_*", "got_x"));
  EXPECT_FALSE(glob_match("", "x"));
}

TEST(Glob, StarCrossesSlashesInUris) {
  EXPECT_TRUE(glob_match("crm://customers/*", "crm://customers/42/notes"));
  EXPECT_FALSE(glob_match("crm://customers/*", "crm://orders/42"));
}

TEST(Glob, UriTemplateVariableIsOneSegment) {
  EXPECT_TRUE(glob_match("crm://customers/{id}", "crm://customers/42"));
  EXPECT_FALSE(glob_match("crm://customers/{id}", "crm://customers/42/notes"));
  EXPECT_FALSE(glob_match("crm://customers/{id}", "crm://customers/"));
  EXPECT_TRUE(glob_match("crm://customers/{id}/notes", "crm://customers/42/notes"));
}

TEST(Glob, PathologicalPatternStaysFast) {
  // Backtracking only to the last star: this would be exponential for a naive matcher.
  std::string text(5000, 'a');
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*b", text));
}

// Bug (found by fuzz/policy/fuzz_glob): each `{var}` tried every length recursively, so a pattern
// with several expressions in one segment took (text length)^(expressions) on a client's name or
// URI: one request could stall the gateway. Matching is now one pass per pattern element.
TEST(Glob, TemplateVariablesStayPolynomial) {
  EXPECT_FALSE(glob_match("{a}{b}{c}{d}{e}!", std::string(2000, 'x')));
  EXPECT_FALSE(glob_match("x://{a}-{b}-{c}-{d}", "x://" + std::string(2000, '-') + "/"));
  EXPECT_TRUE(glob_match("x://{a}-{b}-{c}-{d}/*", "x://" + std::string(2000, '-') + "/"));
  EXPECT_TRUE(glob_match("*{a}/{b}?", "p/q/rs"));
  EXPECT_FALSE(glob_match("*{a}/{b}?", "p/q/r"));
  EXPECT_TRUE(glob_match("{a", "{a"));  // an unclosed brace is a literal
}

// Bug (found by fuzz/policy/fuzz_glob): a `*` in the text was compared with a `*` of the pattern
// as if both were literals, so the pattern's `*` matched only that one character. A deny rule on
// "crm://customers/*/notes" then missed "crm://customers/*x/notes": a client could write its way
// around a rule.
TEST(Glob, StarInTheTextDoesNotDisarmAStarInThePattern) {
  EXPECT_TRUE(glob_match("crm://customers/*/notes", "crm://customers/*x/notes"));
  EXPECT_TRUE(glob_match("x*a", "x*ba"));
  EXPECT_TRUE(glob_match("*a*a*aa", "*b*aaaa"));
  EXPECT_TRUE(glob_match("delete_*", "delete_*"));
}

// Bug: an empty segment where a `{var}` was tried ended the whole match instead of letting an
// earlier `*` take more, so "*/{id}" missed "a//b".
TEST(Glob, EmptySegmentBacktracksToTheStar) {
  EXPECT_TRUE(glob_match("*/{id}", "a//b"));
  EXPECT_FALSE(glob_match("*/{id}", "a/b/"));
}
