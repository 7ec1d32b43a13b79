// The client's side of x-mcp-header (MCP 2026-07-28 transports, "Custom Headers from Tool
// Parameters", SEP-2243; conformance scenarios http-custom-headers and http-invalid-tool-headers).
// The bug these pin: the client sent no Mcp-Param-* headers and offered (and called) tools whose
// annotations are invalid.
#include "client/tool_headers.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "core/json.hpp"

namespace mcpgate::client {
namespace {

boost::json::object obj(std::string_view text) {
  auto v = parse_json(text);
  EXPECT_TRUE(v && v->is_object()) << text;
  return v && v->is_object() ? v->get_object() : boost::json::object{};
}

boost::json::object tool_with(std::string_view property) {
  return obj(std::string(R"({"name":"t","inputSchema":{"type":"object","properties":{)") + std::string(property) +
             "}}}");
}

TEST(ClientToolHeaders, ValidAnnotationsKeepTheTool) {
  EXPECT_TRUE(tool_headers_valid(obj(R"({"name":"t"})")));
  EXPECT_TRUE(tool_headers_valid(tool_with(R"("r":{"type":"string","x-mcp-header":"Region"})")));
  EXPECT_TRUE(tool_headers_valid(tool_with(R"("p":{"type":"integer","x-mcp-header":"Priority"},)"
                                           R"("v":{"type":"boolean","x-mcp-header":"Verbose"})")));
}

// "MUST exclude" each kind of invalid annotation the transport names.
TEST(ClientToolHeaders, InvalidAnnotationsExcludeTheTool) {
  for (auto* bad : {R"("a":{"type":"string","x-mcp-header":""})",   // empty
                    R"("a":{"type":"object","x-mcp-header":"A"})",  // not a primitive
                    R"("a":{"type":"array","x-mcp-header":"A"})",   //
                    R"("a":{"type":"null","x-mcp-header":"A"})",    //
                    R"("a":{"type":"number","x-mcp-header":"A"})",  // number: not allowed
                    R"("a":{"type":"string","x-mcp-header":"A"},"b":{"type":"string","x-mcp-header":"a"})",  // dup
                    R"("a":{"type":"string","x-mcp-header":"A B"})",                                         // space
                    R"("a":{"type":"string","x-mcp-header":"A:B"})",                                         // colon
                    R"("a":{"type":"string","x-mcp-header":"Ä"})",        // non-ASCII
                    R"("a":{"type":"string","x-mcp-header":"A\u0001"})",  // control
                    R"("a":{"type":"string","x-mcp-header":7})"})         // not a string
    EXPECT_FALSE(tool_headers_valid(tool_with(bad))) << bad;
}

TEST(ClientToolHeaders, ArgumentsBecomeEncodedHeaders) {
  auto schema =
      obj(R"({"properties":{"r":{"type":"string","x-mcp-header":"Region"},)"
          R"("p":{"type":"integer","x-mcp-header":"Priority"},"v":{"type":"boolean","x-mcp-header":"Verbose"},)"
          R"("n":{"type":"string","x-mcp-header":"NonAscii"},"w":{"type":"string","x-mcp-header":"Pad"},)"
          R"("z":{"type":"string","x-mcp-header":"Gone"},"f":{"type":"number"}}})");
  auto args = obj(R"({"r":"us west 1","p":42,"v":false,"n":"Hé","w":" x","z":null,"f":3.5})");
  auto headers = param_headers_for(mcp::param_headers_of(schema), &args);
  std::map<std::string, std::string> h(headers.begin(), headers.end());
  EXPECT_EQ(h["Mcp-Param-Region"], "us west 1");  // internal spaces stay plain
  EXPECT_EQ(h["Mcp-Param-Priority"], "42");
  EXPECT_EQ(h["Mcp-Param-Verbose"], "false");
  EXPECT_EQ(h["Mcp-Param-NonAscii"], "=?base64?SMOp?=");  // non-ASCII: Base64
  EXPECT_EQ(h["Mcp-Param-Pad"], "=?base64?IHg=?=");       // a leading space: Base64
  EXPECT_EQ(h.count("Mcp-Param-Gone"), 0u);               // null: no header
  EXPECT_EQ(headers.size(), 5u);                          // f is not annotated
}

}  // namespace
}  // namespace mcpgate::client
