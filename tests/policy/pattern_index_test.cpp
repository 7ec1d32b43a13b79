// The pattern index may leave a rule out only when none of its patterns can match the name: it
// narrows which globs are tried, it never decides.
#include "policy/pattern_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "policy/glob.hpp"

namespace mcpgate::policy {
namespace {

std::vector<std::size_t> found(const PatternIndex& index, std::string_view name) {
  std::vector<std::size_t> out;
  index.candidates(name, out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

TEST(PatternIndex, FilesAPatternUnderItsLiteralHead) {
  PatternIndex index;
  index.add("tool_12*", 0);
  index.add("tool_1?", 1);
  index.add("other_*", 2);
  EXPECT_EQ(found(index, "tool_123"), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(found(index, "other_x"), (std::vector<std::size_t>{2}));
  EXPECT_TRUE(found(index, "tool_2").empty());
  EXPECT_TRUE(found(index, "").empty());
}

TEST(PatternIndex, FilesAPatternThatStartsWithAWildcardUnderItsTail) {
  PatternIndex index;
  index.add("*_admin", 0);
  index.add("{x}.delete", 1);
  index.add("*", 2);
  index.add("*write*", 3);  // neither head nor tail: tried for every name
  EXPECT_EQ(found(index, "db_admin"), (std::vector<std::size_t>{0, 2, 3}));
  EXPECT_EQ(found(index, "row.delete"), (std::vector<std::size_t>{1, 2, 3}));
  EXPECT_EQ(found(index, "read"), (std::vector<std::size_t>{2, 3}));
}

// Every (pattern, name) pair that glob_match accepts must be among the candidates, whatever the
// shape of the pattern: heads, tails, `?`, `{var}`, an unclosed `{`, an empty pattern.
TEST(PatternIndex, NeverLeavesOutARuleWhosePatternMatches) {
  const std::vector<std::string> patterns = {
      "tool_*", "tool_0*", "tool_01?",    "*_x",     "?ool_1", "*",       "**", "a{b", "a{b}c",   "{id}",
      "t*l_1",  "*o*",     "res://{x}/y", "res://*", "",       "tool_01", "x?", "*1",  "{a}_{b}", "t{",
  };
  const std::vector<std::string> names = {"tool_01",   "tool_1",      "tool_012", "db_x", "",    "a{b",   "abc",
                                          "res://a/y", "res://a/b/y", "x1",       "t{",   "1_2", "tool_0"};
  PatternIndex index;
  for (std::size_t i = 0; i < patterns.size(); ++i)
    if (patterns[i].find_first_of("*?{") != std::string::npos) index.add(patterns[i], i);
  for (auto& n : names) {
    auto c = found(index, n);
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      if (patterns[i].find_first_of("*?{") == std::string::npos) continue;
      if (glob_match(patterns[i], n)) {
        EXPECT_TRUE(std::binary_search(c.begin(), c.end(), i)) << "pattern " << patterns[i] << " name " << n;
      }
    }
  }
}

}  // namespace
}  // namespace mcpgate::policy
