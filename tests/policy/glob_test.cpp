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
