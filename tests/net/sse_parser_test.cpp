// SseParser against WHATWG HTML §9.2.6 ("Interpreting an event stream").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/sse.hpp"

namespace mcpgate::net {
namespace {

std::vector<SseEvent> parse_all(std::string_view stream, std::size_t limit = 4 * 1024 * 1024) {
  SseParser p(limit);
  std::vector<SseEvent> out;
  EXPECT_TRUE(p.feed(stream, out));
  return out;
}

// The same stream delivered as two chunks split at `at`.
std::vector<SseEvent> parse_split(std::string_view stream, std::size_t at) {
  SseParser p;
  std::vector<SseEvent> out;
  EXPECT_TRUE(p.feed(stream.substr(0, at), out));
  EXPECT_TRUE(p.feed(stream.substr(at), out));
  return out;
}

std::vector<SseEvent> parse_bytewise(std::string_view stream) {
  SseParser p;
  std::vector<SseEvent> out;
  for (char c : stream) EXPECT_TRUE(p.feed(std::string_view(&c, 1), out));
  return out;
}

void expect_same(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b, const std::string& where) {
  ASSERT_EQ(a.size(), b.size()) << where;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].data, b[i].data) << where << " event " << i;
    EXPECT_EQ(a[i].event, b[i].event) << where << " event " << i;
    EXPECT_EQ(a[i].id, b[i].id) << where << " event " << i;
    EXPECT_EQ(a[i].retry_ms, b[i].retry_ms) << where << " event " << i;
  }
}

// Every chunking of a stream must give the same events as the whole stream at once.
void expect_split_invariant(std::string_view stream) {
  auto whole = parse_all(stream);
  for (std::size_t at = 0; at <= stream.size(); ++at)
    expect_same(whole, parse_split(stream, at), "split at " + std::to_string(at));
  expect_same(whole, parse_bytewise(stream), "byte by byte");
}

TEST(SseParser, SimpleEvent) {
  auto ev = parse_all("event: message\nid: 1\ndata: {\"a\":1}\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].event, "message");
  EXPECT_EQ(ev[0].id, "1");
  EXPECT_TRUE(ev[0].has_id);
  EXPECT_EQ(ev[0].data, "{\"a\":1}");
}

TEST(SseParser, AllThreeLineEndingsAreEquivalent) {
  const std::string lf = "data: a\ndata: b\n\nid: 2\ndata: c\n\n";
  std::string crlf, cr;
  for (char c : lf) {
    if (c == '\n') {
      crlf += "\r\n";
      cr += '\r';
    } else {
      crlf += c;
      cr += c;
    }
  }
  auto expected = parse_all(lf);
  ASSERT_EQ(expected.size(), 2u);
  EXPECT_EQ(expected[0].data, "a\nb");
  EXPECT_EQ(expected[1].data, "c");
  EXPECT_EQ(expected[1].id, "2");
  expect_same(expected, parse_all(crlf), "CRLF");
  expect_same(expected, parse_all(cr), "CR");
  // Mixed within one stream.
  expect_same(expected, parse_all("data: a\r\ndata: b\r\rid: 2\ndata: c\r\n\n"), "mixed");
}

TEST(SseParser, SplitAtEveryByteOffset) {
  expect_split_invariant("data: a\ndata: b\n\nid: 2\ndata: c\n\n");
  expect_split_invariant("data: a\r\ndata: b\r\n\r\nid: 2\r\ndata: c\r\n\r\n");
  expect_split_invariant("data: a\rdata: b\r\rid: 2\rdata: c\r\r");
  expect_split_invariant(
      "\xEF\xBB\xBF"
      "data: x\r\n\r\n: comment\r\nevent: e\r\nretry: 50\r\ndata: y\r\n\r\n");
}

TEST(SseParser, CrLfSplitAcrossChunksIsOneLineBreak) {
  // If the LF after a chunk-final CR counted as a second line end, this would dispatch "a" early
  // and lose "b".
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed("data: a\r", out));
  ASSERT_TRUE(p.feed("\ndata: b\r", out));
  ASSERT_TRUE(p.feed("\n\r", out));
  ASSERT_TRUE(p.feed("\n", out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "a\nb");
}

TEST(SseParser, CommentsAreIgnored) {
  auto ev = parse_all(": keep-alive\n\n:\ndata: x\n: between\ndata: y\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "x\ny");
}

TEST(SseParser, DataLinesJoinWithLfAndLoseOneLeadingSpace) {
  auto ev = parse_all("data:x\ndata:  two spaces\ndata\ndata:\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "x\n two spaces\n\n");
}

TEST(SseParser, EmptyDataFieldStillDispatches) {
  auto ev = parse_all("data\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "");
}

TEST(SseParser, EventWithoutDataIsNotDispatchedButItsIdCounts) {
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed("event: ping\nid: 7\n\n", out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(p.last_event_id(), "7");
  ASSERT_TRUE(p.feed("data: x\n\n", out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event, "") << "the event type resets at every blank line";
  EXPECT_EQ(out[0].id, "7") << "the last event id persists";
}

TEST(SseParser, IdPersistsAndEmptyIdResetsIt) {
  auto ev = parse_all("id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n");
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].id, "1");
  EXPECT_EQ(ev[1].id, "1");
  EXPECT_FALSE(ev[1].has_id);
  EXPECT_EQ(ev[2].id, "");
  EXPECT_TRUE(ev[2].has_id);
}

TEST(SseParser, IdContainingNulIsIgnored) {
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed("id: good\ndata: a\n\n", out));
  ASSERT_TRUE(p.feed(std::string_view("id: ba\0d\ndata: b\n\n", 19), out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].id, "good");
  EXPECT_FALSE(out[1].has_id);
  EXPECT_EQ(p.last_event_id(), "good");
}

TEST(SseParser, RetryAcceptsAsciiDigitsOnly) {
  auto retry_of = [](std::string field) {
    auto ev = parse_all(field + "\ndata: x\n\n");
    EXPECT_EQ(ev.size(), 1u);
    return ev.empty() ? std::nullopt : ev[0].retry_ms;
  };
  EXPECT_EQ(retry_of("retry: 1500"), 1500);
  EXPECT_EQ(retry_of("retry:0"), 0);
  EXPECT_EQ(retry_of("retry: 15a"), std::nullopt);
  EXPECT_EQ(retry_of("retry: "), std::nullopt);
  EXPECT_EQ(retry_of("retry"), std::nullopt);
  EXPECT_EQ(retry_of("retry: 1.5"), std::nullopt);
  EXPECT_EQ(retry_of("retry: +5"), std::nullopt);
  EXPECT_EQ(retry_of("retry: -5"), std::nullopt) << "'-' is not an ASCII digit";
  EXPECT_EQ(retry_of("retry:  5"), std::nullopt) << "only one leading space is removed";
  EXPECT_EQ(retry_of("retry: 99999999999999999999999"), std::nullopt);
}

TEST(SseParser, UnknownFieldsAreIgnored) {
  auto ev = parse_all("foo: bar\nDATA: shouted\ndata : spaced\ndata: x\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "x");
}

TEST(SseParser, IncompleteEventAtEndIsNotDispatched) {
  EXPECT_TRUE(parse_all("data: x\n").empty());
  EXPECT_TRUE(parse_all("data: x").empty());
}

TEST(SseParser, LeadingBomIsStrippedOnce) {
  auto ev = parse_all(
      "\xEF\xBB\xBF"
      "data: x\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "x");
  // A second BOM is part of the first field name, which is then unknown.
  EXPECT_TRUE(parse_all("\xEF\xBB\xBF\xEF\xBB\xBF"
                        "data: x\n\n")
                  .empty());
  // A BOM later in the stream is data, not framing.
  ev = parse_all(
      "data: a\n\n\xEF\xBB\xBF"
      "data: b\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "a");
}

TEST(SseParser, BomSplitAcrossChunks) {
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed("\xEF", out));
  ASSERT_TRUE(p.feed("\xBB", out));
  ASSERT_TRUE(
      p.feed("\xBF"
             "data: x\n\n",
             out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "x");
}

TEST(SseParser, PartialBomPrefixIsKeptAsData) {
  // "\xEF" followed by something else is not a BOM: the bytes belong to the first line.
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed("\xEF", out));
  ASSERT_TRUE(p.feed("data: x\n\ndata: y\n\n", out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "y");
}

TEST(SseParser, OversizedDataFailsAndStaysFailed) {
  SseParser p(16);
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed("data: 0123456789\n\n", out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(p.feed("data: 0123456789\ndata: 0123456789\n\n", out));
  EXPECT_EQ(out.size(), 1u);
  EXPECT_FALSE(p.feed("data: x\n\n", out)) << "a failed parser is unusable";
}

TEST(SseParser, OversizedUnterminatedLineFails) {
  // A peer that never sends a line end must not grow our buffer without bound.
  SseParser p(64);
  std::vector<SseEvent> out;
  bool ok = true;
  for (int i = 0; i < 100 && ok; ++i) ok = p.feed("xxxxxxxxxx", out);
  EXPECT_FALSE(ok);
}

TEST(SseParser, LimitCountsAccumulatedDataAcrossChunks) {
  SseParser p(32);
  std::vector<SseEvent> out;
  bool ok = true;
  for (int i = 0; i < 10 && ok; ++i) ok = p.feed("data: 0123456789\n", out);
  EXPECT_FALSE(ok);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace mcpgate::net
