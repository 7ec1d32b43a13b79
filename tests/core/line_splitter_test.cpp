// The stdio framing: lines however the reads cut them, and one report per line over the limit.
#include "core/line_splitter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mcpgate {
namespace {

std::vector<std::string> split(std::size_t max, const std::vector<std::string>& pieces) {
  std::vector<std::string> out;
  LineSplitter s(max);
  auto on_line = [&](std::string line) { out.push_back(std::move(line)); };
  for (auto& p : pieces) s.feed(p, on_line, [&] { out.push_back("<too long>"); });
  s.finish(on_line);
  return out;
}

TEST(LineSplitter, LinesCutAcrossReadsAreWhole) {
  EXPECT_EQ(split(100, {"{\"a\"", ":1}\n{\"b\":2}\n{\"c", "\":3}"}),
            (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"}));
}

TEST(LineSplitter, EmptyLinesAndLoneCarriageReturnsAreSkipped) {
  EXPECT_EQ(split(100, {"\n\r\n\nx\r\n\r"}), (std::vector<std::string>{"x\r"}));
}

TEST(LineSplitter, ALineOverTheLimitIsReportedOnceWhetherItArrivesWholeOrInPieces) {
  EXPECT_EQ(split(4, {"abcdef\nok\n"}), (std::vector<std::string>{"<too long>", "ok"}));
  EXPECT_EQ(split(4, {"ab", "cd", "ef", "gh\nok\n"}), (std::vector<std::string>{"<too long>", "ok"}));
  EXPECT_EQ(split(4, {"abcd\n"}), (std::vector<std::string>{"abcd"}));  // at the limit is within it
}

TEST(LineSplitter, AnUnfinishedLineOverTheLimitIsDroppedAtTheEnd) {
  EXPECT_EQ(split(4, {"ok\nabcdefgh"}), (std::vector<std::string>{"ok"}));
}

}  // namespace
}  // namespace mcpgate
