// The operational log: both formats, JSON escaping, the level filter, fields, and redaction of
// credentials. Lines are built with a fixed time; write() is checked through a pipe.
#include "core/log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>

namespace mcpgate::log {
namespace {

using namespace std::chrono;
const system_clock::time_point kTime = system_clock::time_point(milliseconds(1'796'000'839'113));  // 2026-11-30

boost::json::object parse_line(const std::string& line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per message";
  boost::json::error_code ec;
  auto v = boost::json::parse(line, ec);
  EXPECT_FALSE(ec) << line;
  return ec || !v.is_object() ? boost::json::object{} : v.as_object();
}

std::string field(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string("<absent>");
}

TEST(Log, JsonLineHasTimeLevelMsgAndFields) {
  auto o = parse_line(format_line(Format::json, Level::warn, "upstream request failed",
                                  {{"request_id", "abc-7"}, {"endpoint", "/mcp"}, {"upstream", "crm"}}, kTime));
  EXPECT_EQ(field(o, "time"), "2026-11-30T01:07:19.113Z");
  EXPECT_EQ(field(o, "level"), "warn");
  EXPECT_EQ(field(o, "msg"), "upstream request failed");
  EXPECT_EQ(field(o, "request_id"), "abc-7");
  EXPECT_EQ(field(o, "endpoint"), "/mcp");
  EXPECT_EQ(field(o, "upstream"), "crm");
}

TEST(Log, JsonTimeIsRfc3339UtcWithMilliseconds) {
  EXPECT_EQ(rfc3339_ms(system_clock::time_point(milliseconds(5))), "1970-01-01T00:00:00.005Z");
}

// Log injection: a message that carries quotes, a newline or an escape sequence cannot end its
// line, add a field or reach the terminal raw.
TEST(Log, JsonEscapesQuotesBackslashesAndControlCharacters) {
  std::string msg = "a \"quoted\" \\ path\nlevel\":\"error\r\t\x1b[31m\x7f";
  auto line = format_line(Format::json, Level::info, msg, {{"k\"ey", "v\n"}}, kTime);
  auto o = parse_line(line);
  EXPECT_EQ(field(o, "msg"), msg);
  EXPECT_EQ(field(o, "level"), "info");
  EXPECT_EQ(field(o, "k\"ey"), "v\n");
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
}

TEST(Log, JsonReplacesBytesThatAreNotUtf8) {
  auto o = parse_line(format_line(Format::json, Level::info, "caf\xc3\xa9 \xff\xfe end \xe2\x82", {}, kTime));
  EXPECT_EQ(field(o, "msg"), "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end \xef\xbf\xbd\xef\xbf\xbd");
}

TEST(Log, FieldsCannotReplaceTheFixedKeys) {
  auto o = parse_line(format_line(Format::json, Level::error, "m", {{"level", "debug"}, {"msg", "x"}}, kTime));
  EXPECT_EQ(field(o, "level"), "error");
  EXPECT_EQ(field(o, "msg"), "m");
  EXPECT_EQ(o.size(), 3u);
}

TEST(Log, TextLineIsTheFamiliarOne) {
  EXPECT_EQ(format_line(Format::text, Level::info, "listening on port 8080", {}, kTime),
            "mcpgate: listening on port 8080\n");
  EXPECT_EQ(format_line(Format::text, Level::info, "started pid 42", {{"upstream", "crm"}}, kTime),
            "[crm] started pid 42\n");
  EXPECT_EQ(format_line(Format::text, Level::warn, "failed", {{"request_id", "r-1"}, {"upstream", "u"}}, kTime),
            "[u] failed request_id=r-1\n");
  EXPECT_EQ(format_line(Format::text, Level::info, "bell\x07 cr\r esc\x1b", {}, kTime),
            "mcpgate: bell\\x07 cr\\x0d esc\\x1b\n");
}

TEST(Log, LevelFilter) {
  auto before_level = level();
  auto before_format = format();
  configure(Level::warn, Format::json);
  EXPECT_TRUE(enabled(Level::error));
  EXPECT_TRUE(enabled(Level::warn));
  EXPECT_FALSE(enabled(Level::info));
  EXPECT_FALSE(enabled(Level::debug));
  configure(Level::debug, Format::text);
  EXPECT_TRUE(enabled(Level::debug));
  configure(before_level, before_format);
}

TEST(Log, ParsesLevelAndFormatNames) {
  EXPECT_EQ(parse_level("error"), Level::error);
  EXPECT_EQ(parse_level("warn"), Level::warn);
  EXPECT_EQ(parse_level("info"), Level::info);
  EXPECT_EQ(parse_level("debug"), Level::debug);
  EXPECT_FALSE(parse_level("verbose"));
  EXPECT_EQ(parse_format("json"), Format::json);
  EXPECT_EQ(parse_format("text"), Format::text);
  EXPECT_FALSE(parse_format("xml"));
}

TEST(Log, WriteSendsOneLinePerMessageAndDropsFilteredOnes) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto before_level = level();
  auto before_format = format();
  set_fd(fds[1]);
  configure(Level::info, Format::json);
  debug("not written");
  info("written", {{"request_id", "q-1"}});
  set_fd(2);
  configure(before_level, before_format);
  ::close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  auto o = parse_line(out);
  EXPECT_EQ(field(o, "msg"), "written");
  EXPECT_EQ(field(o, "request_id"), "q-1");
}

// Secrets never reach a log line (docs/security.md): credentials quoted by a message are replaced.
TEST(Log, RedactsBearerCredentialsAndJwts) {
  std::string jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
  EXPECT_EQ(redact("Authorization: Bearer abcdefgh12345678"), "Authorization: Bearer [redacted]");
  EXPECT_EQ(redact("authorization: basic dXNlcjpwYXNzd29yZA=="), "authorization: basic [redacted]");
  EXPECT_EQ(redact("DPoP " + jwt), "DPoP [redacted]");
  EXPECT_EQ(redact("token=" + jwt + " rejected"), "token=[redacted] rejected");
  EXPECT_EQ(redact("[" + jwt + "]"), "[[redacted]]");
  EXPECT_EQ(redact("the bearer scheme is required"), "the bearer scheme is required");
  EXPECT_EQ(redact("eyJ alone is not a token"), "eyJ alone is not a token");
  auto o = parse_line(format_line(Format::json, Level::info, "got " + jwt, {{"header", "Bearer " + jwt}}, kTime));
  EXPECT_EQ(field(o, "msg"), "got [redacted]");
  EXPECT_EQ(field(o, "header"), "Bearer [redacted]");
  EXPECT_EQ(format_line(Format::text, Level::info, "x", {{"auth", "Bearer abcdefgh12345678"}}, kTime),
            "mcpgate: x auth=Bearer [redacted]\n");
}

}  // namespace
}  // namespace mcpgate::log
