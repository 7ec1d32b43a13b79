// format_sse is what we send to clients: whatever it writes must parse back to the same event,
// and nothing in `data` may become a field of its own (event-stream injection).
#include <gtest/gtest.h>

#include "net/sse.hpp"

namespace mcpgate::net {
namespace {

SseEvent one(std::string_view wire) {
  SseParser p;
  std::vector<SseEvent> out;
  EXPECT_TRUE(p.feed(wire, out));
  EXPECT_EQ(out.size(), 1u) << wire;
  return out.empty() ? SseEvent{} : out[0];
}

TEST(FormatSse, WireForm) {
  EXPECT_EQ(format_sse("{}"), "data: {}\n\n");
  EXPECT_EQ(format_sse("a\nb", "7", "message", 1000), "id: 7\nevent: message\nretry: 1000\ndata: a\ndata: b\n\n");
}

TEST(FormatSse, RoundTripsThroughParser) {
  const std::string samples[] = {"",
                                 "x",
                                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}",
                                 "a\nb",
                                 "\n",
                                 "\n\n",
                                 "a\n",
                                 " leading space",
                                 "  two",
                                 ":colon first",
                                 "data: nested",
                                 "tail\n\n\n",
                                 "é ü 中文"};
  for (const auto& data : samples) {
    auto ev = one(format_sse(data, "id-1", "message", 250));
    EXPECT_EQ(ev.data, data) << "data: [" << data << "]";
    EXPECT_EQ(ev.id, "id-1");
    EXPECT_EQ(ev.event, "message");
    EXPECT_EQ(ev.retry_ms, 250);
  }
}

TEST(FormatSse, ConsecutiveEventsStayApart) {
  std::string wire = format_sse("one", "1") + format_sse("two\nlines", "2") + format_sse("three");
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed(wire, out));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].data, "one");
  EXPECT_EQ(out[1].data, "two\nlines");
  EXPECT_EQ(out[1].id, "2");
  EXPECT_EQ(out[2].id, "2");
}

TEST(FormatSse, CarriageReturnInDataCannotInjectFields) {
  // CR and CRLF end lines in an event stream too. Regression: format_sse split data only on LF,
  // so "a\rid: evil" came out as a data line followed by an `id` field the sender never wrote.
  auto ev = one(format_sse("a\rid: evil\revent: evil\r\ndata: b", "good"));
  EXPECT_EQ(ev.id, "good");
  EXPECT_EQ(ev.event, "");
  EXPECT_EQ(ev.data, "a\nid: evil\nevent: evil\ndata: b") << "line breaks normalize to LF, contents stay data";
}

}  // namespace
}  // namespace mcpgate::net
