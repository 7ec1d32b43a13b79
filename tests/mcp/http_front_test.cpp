// The Streamable HTTP front door (mcp/http_front), function by function. The same table runs
// against both HTTP stacks in tests/node/integration/front_door_parity.test.mjs.
#include "mcp/http_front.hpp"

#include <gtest/gtest.h>

namespace mcpgate::mcp::front {
namespace {
namespace http = net::http;

net::Request post(std::initializer_list<std::pair<std::string_view, std::string_view>> headers, std::string body = "") {
  net::Request r{http::verb::post, "/mcp", 11};
  for (auto& [k, v] : headers) r.insert(k, v);
  r.body() = std::move(body);
  return r;
}

Message message(std::string_view text) {
  auto m = parse_message(text);
  EXPECT_TRUE(m.has_value()) << text;
  return std::move(*m);
}

constexpr std::string_view kList =
    R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}})";
constexpr std::string_view kCall =
    R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"echo","arguments":{"region":"us"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}})";

net::Request modern(std::string_view method, std::string_view name = {}) {
  auto r = post({{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", method}});
  if (!name.empty()) r.set("Mcp-Name", name);
  return r;
}

TEST(HttpFront, PostHeadersWantJsonAndAnAcceptableAnswer) {
  // 2025-11-25 / 2026-07-28 transports, "Sending Messages to the Server".
  auto ok =
      check_post_headers(post({{"Content-Type", "application/json; charset=utf-8"}, {"Accept", "text/event-stream"}}));
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->sse);
  EXPECT_FALSE(ok->json);
  auto media = check_post_headers(post({{"Content-Type", "text/plain"}}));
  ASSERT_FALSE(media);
  EXPECT_EQ(media.error().reason, Reason::unsupported_media_type);
  EXPECT_EQ(media.error().status, 415u);
  auto none = check_post_headers(post({{"Accept", "text/html"}, {"Content-Type", "application/json"}}));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().status, 406u);
  EXPECT_EQ(none.error().code, code::invalid_request);
  // No Accept at all: JSON only, answerable.
  EXPECT_TRUE(check_post_headers(post({{"Content-Type", "application/json"}})));
}

TEST(HttpFront, StreamsNeedTextEventStream) {
  EXPECT_FALSE(check_stream_accept(post({{"Accept", "text/event-stream"}})));
  auto r = check_stream_accept(post({{"Accept", "application/json"}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 406u);
}

TEST(HttpFront, ParseMessageNamesEachFault) {
  // JSON-RPC 2.0 §5.1: -32700 for unparseable JSON (duplicate keys included: a parser
  // differential), -32600 for a batch (removed in 2025-06-18) or a bad envelope.
  auto bad = parse_message(R"({"jsonrpc":"2.0",)");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().reason, Reason::parse_error);
  EXPECT_EQ(bad.error().code, code::parse_error);
  EXPECT_EQ(bad.error().status, 400u);
  auto dup = parse_message(R"({"jsonrpc":"2.0","id":1,"method":"a","method":"b"})");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().reason, Reason::parse_error);
  auto batch = parse_message(R"([{"jsonrpc":"2.0","id":1,"method":"a"}])");
  ASSERT_FALSE(batch);
  EXPECT_EQ(batch.error().reason, Reason::batch);
  EXPECT_EQ(batch.error().code, code::invalid_request);
  auto envelope = parse_message(R"({"jsonrpc":"1.0","id":"x","method":"a"})");
  ASSERT_FALSE(envelope);
  EXPECT_EQ(envelope.error().reason, Reason::invalid_message);
  EXPECT_EQ(envelope.error().id, json::value("x")) << "an id that was read is echoed (JSON-RPC 2.0 §5)";
  auto fractional = parse_message(R"({"jsonrpc":"2.0","id":1.5,"method":"a"})");
  ASSERT_FALSE(fractional);
  EXPECT_TRUE(fractional.error().id.is_null()) << "an id that is no valid id is not echoed";
  auto deep = parse_message(std::string(100, '[') + std::string(100, ']'), {64, 1024});
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().reason, Reason::parse_error);
}

TEST(HttpFront, EraFollowsTheHeaderThenTheSessionThenMeta) {
  auto list = message(kList);
  EXPECT_EQ(era_of(post({{"MCP-Protocol-Version", "2026-07-28"}}), list), Era::modern);
  EXPECT_EQ(era_of(post({{"MCP-Protocol-Version", "v999"}}), list), Era::modern) << "refused there as unsupported";
  EXPECT_EQ(era_of(post({{"MCP-Protocol-Version", "2025-11-25"}}), list), Era::legacy);
  EXPECT_EQ(era_of(post({{"Mcp-Session-Id", "s"}}), list), Era::legacy);
  EXPECT_EQ(era_of(post({}), list), Era::modern) << "_meta says 2026-07-28; the missing header is refused later";
  EXPECT_EQ(era_of(post({}), message(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})")), Era::legacy);
  EXPECT_TRUE(modern_header(post({{"MCP-Protocol-Version", " 2026-07-28 "}})));
  EXPECT_FALSE(modern_header(post({{"MCP-Protocol-Version", "2025-06-18"}})));
  EXPECT_FALSE(modern_header(post({})));
}

TEST(HttpFront, MetaKeysAreRequiredWithTheirTypes) {
  // 2026-07-28 basic/index "_meta": protocolVersion (string) and clientCapabilities (object).
  EXPECT_EQ(missing_meta_keys(nullptr),
            "io.modelcontextprotocol/protocolVersion, io.modelcontextprotocol/clientCapabilities");
  auto p = json::parse(R"({"_meta":{"io.modelcontextprotocol/protocolVersion":1,
                          "io.modelcontextprotocol/clientCapabilities":{}}})")
               .as_object();
  EXPECT_EQ(missing_meta_keys(&p), "io.modelcontextprotocol/protocolVersion");
  auto data = unsupported_version_data("v9");
  EXPECT_EQ(data.at("requested"), "v9");
  EXPECT_EQ(data.at("supported").as_array().front(), "2026-07-28");
}

TEST(HttpFront, ModernChecksInOrder) {
  auto list = message(kList);
  EXPECT_FALSE(check_modern(modern("tools/list"), list));
  auto no_meta = message(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}})");
  EXPECT_EQ(check_modern(modern("tools/list"), no_meta)->code, code::invalid_params);
  auto no_header = check_modern(post({{"Mcp-Method", "tools/list"}}), list);
  ASSERT_TRUE(no_header);
  EXPECT_EQ(no_header->code, code::header_mismatch);
  EXPECT_EQ(no_header->id, json::value(7));
  auto r = modern("tools/list");
  r.set("MCP-Protocol-Version", "2026-01-01");
  EXPECT_EQ(check_modern(r, list)->code, code::header_mismatch) << "header ≠ _meta";
  auto v999 = message(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{
      "io.modelcontextprotocol/protocolVersion":"v999","io.modelcontextprotocol/clientCapabilities":{}}}})");
  r.set("MCP-Protocol-Version", "v999");
  auto unsupported = check_modern(r, v999);
  ASSERT_TRUE(unsupported);
  EXPECT_EQ(unsupported->code, code::unsupported_version);
  EXPECT_TRUE(unsupported->data.has_value());
  EXPECT_EQ(check_modern(modern("prompts/list"), list)->reason, Reason::header_mismatch);
  EXPECT_EQ(check_modern(modern("=?base64?dG9vbHMvbGlzdA==?="), list), std::nullopt) << "Mcp-Method decoded";
}

TEST(HttpFront, McpNameIsDecodedAndNeverTakenLiterallyWhenItIsBadBase64) {
  auto call = message(kCall);
  EXPECT_FALSE(check_modern(modern("tools/call", "echo"), call));
  EXPECT_FALSE(check_modern(modern("tools/call", "=?base64?ZWNobw==?="), call));
  EXPECT_TRUE(check_modern(modern("tools/call"), call)) << "missing";
  EXPECT_TRUE(check_modern(modern("tools/call", "other"), call)) << "mismatch";
  EXPECT_TRUE(check_modern(modern("tools/call", "=?base64?ZWNobw?="), call)) << "bad padding";
}

TEST(HttpFront, RemovedMethodsAndResponsesAreRefused) {
  auto init = message(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"_meta":{
      "io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}})");
  auto removed = check_modern(modern("initialize"), init);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, 404u);
  EXPECT_EQ(removed->code, code::method_not_found);
  auto reply = check_modern(modern(""), message(R"({"jsonrpc":"2.0","id":"s1","result":{}})"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->reason, Reason::unexpected_response);
  EXPECT_EQ(reply->status, 400u);
  // A notification is held to the headers too, but needs no _meta.
  auto note = message(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})");
  EXPECT_FALSE(check_modern(modern("notifications/cancelled"), note));
  EXPECT_TRUE(check_modern(modern("notifications/progress"), note));
}

TEST(HttpFront, ParamHeadersAgainstTheBody) {
  // 2026-07-28 transports, "Server Behavior for Custom Headers".
  std::vector<ParamHeader> annotations{{{"region"}, "Region", "string"}};
  auto call = message(kCall);
  auto r = modern("tools/call", "echo");
  auto id = json::value(8);
  EXPECT_TRUE(check_param_headers(r, annotations, call.params(), id)) << "missing";
  r.set("Mcp-Param-Region", "us");
  EXPECT_FALSE(check_param_headers(r, annotations, call.params(), id));
  r.set("Mcp-Param-Region", "eu");
  auto mismatch = check_param_headers(r, annotations, call.params(), id);
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->code, code::header_mismatch);
  EXPECT_EQ(mismatch->id, id);
  r.set("Mcp-Param-Region", "us");
  r.insert("Mcp-Param-Region", "us");
  EXPECT_TRUE(check_param_headers(r, annotations, call.params(), id)) << "repeated";
}

TEST(HttpFront, StatusFollowsTheJsonRpcError) {
  // 2026-07-28 transports, "Error Handling".
  EXPECT_EQ(status_for_code(code::method_not_found), 404u);
  for (int c : {code::parse_error, code::invalid_request, code::invalid_params, code::header_mismatch,
                code::missing_capability, code::unsupported_version})
    EXPECT_EQ(status_for_code(c), 400u) << c;
  EXPECT_EQ(status_for_code(code::internal_error), 200u);
  EXPECT_EQ(status_for_reply(make_result(1, json::object{})), 200u);
  EXPECT_EQ(status_for_reply(make_error(1, code::parse_error, "x")), 400u);
}

TEST(HttpFront, AnswersAreBuiltInOnePlace) {
  auto res = to_response(forbidden_host_or_origin());
  EXPECT_EQ(res.result(), http::status::forbidden);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res[http::field::cache_control], "no-store");
  auto body = json::parse(res.body()).as_object();
  EXPECT_EQ(body.at("error").at("code"), code::invalid_request);
  EXPECT_TRUE(body.at("id").is_null());
  auto not_allowed = to_response(method_not_allowed());
  EXPECT_EQ(not_allowed.result(), http::status::method_not_allowed);
  EXPECT_EQ(not_allowed[http::field::allow], "POST") << "RFC 9110 §15.5.6";
  EXPECT_EQ(to_response(session_not_found(json::value("a"))).result(), http::status::not_found);
  EXPECT_EQ(to_response(session_required(nullptr)).result(), http::status::bad_request);
  auto head = sse_head();
  EXPECT_EQ(head[http::field::content_type], "text/event-stream");
  EXPECT_EQ(head["X-Accel-Buffering"], "no");
  EXPECT_EQ(reason_name(Reason::header_mismatch), "header_mismatch");
}

}  // namespace
}  // namespace mcpgate::mcp::front
