// UriTemplate regressions found by fuzz/mcp_server/fuzz_uri_template (seeds named after them).
#include "mcp/server/uri_template.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mcpgate {
namespace {
using mcp::server::UriTemplate;

// Bug: a template naming one variable twice matched "x://1/y/2" and reported id=1, silently
// dropping the other value, so a handler checked one id and the URI named another. RFC 6570
// gives no way to split such a URI consistently: the template is refused (at server start-up).
TEST(UriTemplate, RefusesAVariableNamedTwice) {
  EXPECT_FALSE(UriTemplate::compile("x://{id}/y/{id}").has_value());
  EXPECT_TRUE(UriTemplate::compile("x://{id}/y/{id2}").has_value());
}

// Bug: matching tried every split of the URI between the expressions, recursively, so its time
// grew with (URI length)^(expressions): one resources/read with a URI of a few hundred
// separators stalled the server. Each (expression, offset) pair is now decided at most once.
TEST(UriTemplate, MatchingIsPolynomialInTheUriLength) {
  auto t = UriTemplate::compile("x://{a}-{b}-{c}-{d}-{e}-{f}");
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE(t->match("x://" + std::string(1000, '-') + "/").has_value());  // no split works
  auto m = t->match("x://1-2-3-4-5-" + std::string(500, '-') + "6");
  ASSERT_TRUE(m.has_value());
  // As before: the first expression takes the longest value that lets the rest match.
  EXPECT_EQ(m->at("a"), "1-2-3-4-5-" + std::string(491, '-'));
  EXPECT_EQ(m->at("b"), "-");
  EXPECT_EQ(m->at("f"), "6");
}

}  // namespace
}  // namespace mcpgate
