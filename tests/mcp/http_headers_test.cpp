// The Streamable HTTP headers shared by the gateway and the server library (mcp/http_headers).
#include "mcp/http_headers.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

namespace mcpgate::mcp {
namespace {
namespace json = boost::json;

TEST(Accept, JsonSseWildcardsAndCase) {
  auto a = parse_accept("application/json, text/event-stream");
  EXPECT_TRUE(a.json && a.sse);
  EXPECT_TRUE(parse_accept("").json) << "no Accept: JSON only";
  EXPECT_FALSE(parse_accept("").sse);
  EXPECT_TRUE(parse_accept("*/*").json);
  EXPECT_FALSE(parse_accept("*/*").sse) << "a stream only for a client that names it";
  // Media types are case-insensitive (RFC 9110 §8.3.1); the gateway's copy compared them exactly.
  auto upper = parse_accept("Application/JSON;q=0.9 ,TEXT/Event-Stream");
  EXPECT_TRUE(upper.json && upper.sse);
  auto none = parse_accept("text/html, image/png");
  EXPECT_FALSE(none.json || none.sse);
}

TEST(ContentType, JsonWithParametersAnyCase) {
  EXPECT_TRUE(is_json_content_type("application/json"));
  EXPECT_TRUE(is_json_content_type("Application/JSON; charset=utf-8"));
  EXPECT_FALSE(is_json_content_type("application/json-seq"));
  EXPECT_FALSE(is_json_content_type("text/json"));
  EXPECT_FALSE(is_json_content_type(""));
}

// 2026-07-28 transports, "Value Encoding": the sentinel is exact and lowercase; invalid Base64
// inside it is refused, anything else is literal.
TEST(HeaderValue, Base64SentinelDecodedStrictly) {
  EXPECT_EQ(decode_header_value("=?base64?SGVsbG8sIOS4lueVjA==?="), "Hello, 世界");
  EXPECT_EQ(decode_header_value("  plain value \t"), "plain value");
  EXPECT_FALSE(decode_header_value("=?base64?SGVsbG8?=")) << "bad padding";
  EXPECT_FALSE(decode_header_value("=?base64?SGVs!!!bG8=?=")) << "outside the alphabet";
  EXPECT_EQ(decode_header_value("=?base64?SGVsbG8="), "=?base64?SGVsbG8=") << "no suffix: literal";
  EXPECT_EQ(decode_header_value("=?BASE64?SGVsbG8=?="), "=?BASE64?SGVsbG8=?=") << "markers are case-sensitive";
  EXPECT_EQ(decode_header_value("=?base64?="), "=?base64?=") << "too short to hold the sentinel";
  // Two literals: "??=" in one would be read as a trigraph (-Wtrigraphs).
  EXPECT_EQ(decode_header_value("=?base64?"
                                "?="),
            "")
      << "an empty payload is the empty string";
}

json::object schema() {
  return json::parse(R"({"type":"object","properties":{
    "region":{"type":"string","x-mcp-header":"Region"},
    "priority":{"type":"integer","x-mcp-header":"Priority"},
    "urgent":{"type":"boolean","x-mcp-header":"Urgent"},
    "target":{"type":"object","properties":{"tenant":{"type":"string","x-mcp-header":"Tenant"}}},
    "ratio":{"type":"number","x-mcp-header":"Ratio"},
    "bad":{"type":"string","x-mcp-header":"Bad Name"},
    "dup1":{"type":"string","x-mcp-header":"Dup"},
    "dup2":{"type":"string","x-mcp-header":"DUP"},
    "list":{"type":"array","items":{"type":"string","x-mcp-header":"Item"}},
    "choice":{"oneOf":[{"type":"string","x-mcp-header":"Choice"}]}}})")
      .as_object();
}

// 2026-07-28 transports, "Standard Headers": what a client encodes, a server decodes back.
TEST(HeaderValue, EncodeIsPlainForVisibleAsciiAndRoundTrips) {
  EXPECT_EQ(encode_header_value("tools/call"), "tools/call");
  for (std::string v : {"eu-west ü", " padded", "tab\t", "line\nbreak", "=?base64?looks-encoded?=", ""}) {
    auto e = encode_header_value(v);
    EXPECT_TRUE(e.starts_with("=?base64?")) << v;
    EXPECT_EQ(decode_header_value(e), v) << v;
  }
}

TEST(ParamHeaders, OnlyValidStaticallyReachableAnnotations) {
  auto a = param_headers_of(schema());
  std::map<std::string, std::string> names;
  for (auto& p : a) {
    std::string path;
    for (auto& k : p.path) path += "/" + k;
    names[p.name] = path;
  }
  EXPECT_EQ(names,
            (std::map<std::string, std::string>{
                {"Region", "/region"}, {"Priority", "/priority"}, {"Urgent", "/urgent"}, {"Tenant", "/target/tenant"}}))
      << "number type, a non-token name, names repeated ignoring case, items and oneOf are left out";
}

struct Headers {
  std::multimap<std::string, std::string> h;
  HeaderLookup lookup() const {
    return [this](std::string_view name) -> std::optional<std::string_view> {
      for (auto& [k, v] : h) {
        if (k.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < k.size(); ++i) same &= std::tolower(k[i]) == std::tolower(name[i]);
        if (same) return std::string_view(v);
      }
      return std::nullopt;
    };
  }
};

std::optional<ParamHeaderProblem> check(const char* args, std::multimap<std::string, std::string> h) {
  auto a = param_headers_of(schema());
  auto parsed = json::parse(args).as_object();
  Headers hs{std::move(h)};
  return check_param_headers(a, &parsed, hs.lookup());
}

// 2026-07-28 transports, "Server Behavior for Custom Headers" table.
TEST(ParamHeaders, ServerValidationTable) {
  EXPECT_FALSE(
      check(R"({"region":"us","priority":42,"urgent":false,"target":{"tenant":"t"}})", {{"mcp-param-region", "us"},
                                                                                        {"MCP-PARAM-PRIORITY", "42"},
                                                                                        {"Mcp-Param-Urgent", "false"},
                                                                                        {"Mcp-Param-Tenant", "t"}}));
  EXPECT_FALSE(check(R"({"region":null})", {})) << "null: no header expected";
  EXPECT_FALSE(check(R"({})", {})) << "absent: no header expected";
  auto missing = check(R"({"region":"us"})", {});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->error, ParamHeaderError::missing);
  EXPECT_EQ(missing->header, "Mcp-Param-Region");
  EXPECT_EQ(check(R"({"region":"us"})", {{"Mcp-Param-Region", "eu"}})->error, ParamHeaderError::mismatch);
  EXPECT_EQ(check(R"({})", {{"Mcp-Param-Region", "eu"}})->error, ParamHeaderError::mismatch)
      << "a header for an argument the body lacks";
  EXPECT_EQ(check(R"({"region":"Hello"})", {{"Mcp-Param-Region", "=?base64?SGVsbG8?="}})->error,
            ParamHeaderError::invalid);
  EXPECT_EQ(check(R"({"region":"caf\u00e9"})", {{"Mcp-Param-Region", "caf\xc3\xa9"}})->error, ParamHeaderError::invalid)
      << "non-ASCII must come Base64-encoded";
  EXPECT_FALSE(check(R"({"region":"caf\u00e9"})", {{"Mcp-Param-Region", "=?base64?Y2Fmw6k=?="}}));
  EXPECT_FALSE(check(R"({"region":" padded "})", {{"Mcp-Param-Region", "=?base64?IHBhZGRlZCA=?="}}));
  EXPECT_EQ(check(R"({"target":{"tenant":"t"}})", {})->header, "Mcp-Param-Tenant");
}

TEST(ParamHeaders, IntegersCompareNumericallyBooleansExactly) {
  EXPECT_FALSE(check(R"({"priority":42})", {{"Mcp-Param-Priority", "42.0"}}));
  EXPECT_FALSE(check(R"({"priority":-7})", {{"Mcp-Param-Priority", "-7"}}));
  EXPECT_FALSE(check(R"({"priority":42.0})", {{"Mcp-Param-Priority", "42"}}));
  EXPECT_TRUE(check(R"({"priority":42})", {{"Mcp-Param-Priority", "42.5"}}));
  EXPECT_TRUE(check(R"({"priority":42})", {{"Mcp-Param-Priority", "0x2a"}}));
  EXPECT_TRUE(check(R"({"priority":42})", {{"Mcp-Param-Priority", ""}}));
  EXPECT_TRUE(check(R"({"priority":42})", {{"Mcp-Param-Priority", "42."}}));
  EXPECT_TRUE(check(R"({"urgent":true})", {{"Mcp-Param-Urgent", "True"}}));
  EXPECT_FALSE(check(R"({"urgent":true})", {{"Mcp-Param-Urgent", "true"}}));
}

}  // namespace
}  // namespace mcpgate::mcp
