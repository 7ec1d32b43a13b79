// classify(): the JSON-RPC 2.0 envelope as MCP uses it.
#include "mcp/jsonrpc.hpp"

#include <gtest/gtest.h>

#include "core/json.hpp"

namespace mcpgate::mcp {
namespace {

Result<Message> classify_text(std::string_view text) {
  auto v = parse_json(text);
  if (!v) return fail("test input is not JSON: " + v.error().message);
  return classify(std::move(*v));
}

Kind kind_of(std::string_view text) {
  auto m = classify_text(text);
  EXPECT_TRUE(m) << text << ": " << (m ? "" : m.error().message);
  return m ? m->kind : Kind::error;
}

bool rejected(std::string_view text) {
  return !classify_text(text).has_value();
}

TEST(Classify, Request) {
  auto m = classify_text(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, Kind::request);
  EXPECT_TRUE(m->is_request());
  EXPECT_EQ(m->method(), "tools/call");
  ASSERT_NE(m->id(), nullptr);
  EXPECT_EQ(m->id()->as_int64(), 1);
  ASSERT_NE(m->params(), nullptr);
  EXPECT_EQ(m->params()->at("name").as_string(), "x");
}

TEST(Classify, StringAndLargeIntegerIds) {
  EXPECT_EQ(kind_of(R"({"jsonrpc":"2.0","id":"abc","method":"ping"})"), Kind::request);
  EXPECT_EQ(kind_of(R"({"jsonrpc":"2.0","id":"","method":"ping"})"), Kind::request);
  EXPECT_EQ(kind_of(R"({"jsonrpc":"2.0","id":-5,"method":"ping"})"), Kind::request);
  EXPECT_EQ(kind_of(R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"})"), Kind::request);
}

TEST(Classify, Notification) {
  auto m = classify_text(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->is_notification());
  EXPECT_EQ(m->id(), nullptr);
  EXPECT_EQ(m->params(), nullptr);
}

TEST(Classify, ResponseAndError) {
  EXPECT_EQ(kind_of(R"({"jsonrpc":"2.0","id":1,"result":{}})"), Kind::response);
  EXPECT_EQ(kind_of(R"({"jsonrpc":"2.0","id":1,"result":null})"), Kind::response);
  EXPECT_EQ(kind_of(R"({"jsonrpc":"2.0","id":"x","error":{"code":-32601,"message":"nope"}})"), Kind::error);
  // The answer to a request nobody could read carries a null id.
  EXPECT_EQ(kind_of(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse"}})"), Kind::error);
  auto m = classify_text(R"({"jsonrpc":"2.0","id":1,"result":{}})");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->is_reply());
}

TEST(Classify, BadIdsAreRejected) {
  for (std::string_view id : {"null", "1.5", "1.0", "1e3", "true", "false", "{}", "[]", "[1]", "{\"a\":1}"}) {
    std::string req = std::string(R"({"jsonrpc":"2.0","method":"ping","id":)") + std::string(id) + "}";
    std::string res = std::string(R"({"jsonrpc":"2.0","result":{},"id":)") + std::string(id) + "}";
    EXPECT_TRUE(rejected(req)) << req;
    EXPECT_TRUE(rejected(res)) << res;
  }
  for (std::string_view id : {"1.5", "true", "{}", "[]"}) {
    std::string err = std::string(R"({"jsonrpc":"2.0","error":{"code":1,"message":"m"},"id":)") + std::string(id) + "}";
    EXPECT_TRUE(rejected(err)) << err;
  }
}

TEST(Classify, JsonrpcVersionIsRequiredAndExact) {
  EXPECT_TRUE(rejected(R"({"id":1,"method":"ping"})"));
  EXPECT_TRUE(rejected(R"({"jsonrpc":"1.0","id":1,"method":"ping"})"));
  EXPECT_TRUE(rejected(R"({"jsonrpc":2.0,"id":1,"method":"ping"})"));
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0 ","id":1,"method":"ping"})"));
  EXPECT_TRUE(rejected(R"({"jsonrpc":null,"id":1,"result":{}})"));
}

TEST(Classify, ResultAndErrorAreExclusive) {
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}})"));
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0","id":1})")) << "neither";
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0","id":1,"method":"ping","result":{}})")) << "request with result";
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0","method":"note","error":{"code":1,"message":"m"}})"));
}

TEST(Classify, ErrorObjectNeedsNumericCode) {
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0","id":1,"error":"bad"})"));
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0","id":1,"error":{"message":"no code"}})"));
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0","id":1,"error":{"code":"-32600","message":"m"}})"));
}

TEST(Classify, MethodAndParamsShape) {
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0","id":1,"method":""})"));
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0","id":1,"method":5})"));
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0","id":1,"method":null})"));
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0","id":1,"method":"m","params":"s"})"));
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0","id":1,"method":"m","params":3})"));
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0","id":1,"method":"m","params":null})"));
  EXPECT_EQ(kind_of(R"({"jsonrpc":"2.0","id":1,"method":"m","params":[1,2]})"), Kind::request);
  EXPECT_TRUE(rejected(R"({"jsonrpc":"2.0"})")) << "neither method nor id";
}

TEST(Classify, NonObjectsAndBatches) {
  auto batch = classify_text(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
  ASSERT_FALSE(batch);
  EXPECT_EQ(batch.error().message, "batch") << "callers tell a batch from garbage by this reason";
  EXPECT_FALSE(classify_text("[]"));
  for (std::string_view v : {"1", "\"s\"", "null", "true"}) {
    auto r = classify_text(v);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message, "batch");
  }
}

TEST(Make, BuildersProduceWhatClassifyAccepts) {
  auto req = classify(json::value(make_request(7, "tools/list", json::object{{"cursor", "c"}})));
  ASSERT_TRUE(req);
  EXPECT_EQ(req->kind, Kind::request);
  EXPECT_EQ(req->params()->at("cursor").as_string(), "c");

  auto bare = make_request("a", "ping");
  EXPECT_FALSE(bare.contains("params")) << "null params are omitted, not sent as null";

  auto note = classify(json::value(make_notification("notifications/progress", json::object{{"p", 1}})));
  ASSERT_TRUE(note);
  EXPECT_EQ(note->kind, Kind::notification);

  auto res = classify(json::value(make_result("x", json::object{})));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->kind, Kind::response);

  auto err = make_error(nullptr, code::invalid_request, "bad", json::value("detail"));
  EXPECT_EQ(err.at("error").at("code").as_int64(), -32600);
  EXPECT_EQ(err.at("error").at("message").as_string(), "bad");
  EXPECT_EQ(err.at("error").at("data").as_string(), "detail");
  auto cls = classify(json::value(err));
  ASSERT_TRUE(cls);
  EXPECT_EQ(cls->kind, Kind::error);
}

TEST(IdKey, KeepsStringAndNumberApart) {
  EXPECT_NE(id_key(json::value(1)), id_key(json::value("1")));
  EXPECT_EQ(id_key(json::value(1)), id_key(json::value(std::uint64_t(1))));
  EXPECT_EQ(id_key(json::value("a")), id_key(json::value("a")));
  EXPECT_NE(id_key(json::value("a")), id_key(json::value("b")));
  EXPECT_NE(id_key(json::value(nullptr)), id_key(json::value("null")));
  // Strings that look like other keys' encodings stay distinct.
  EXPECT_NE(id_key(json::value("i:1")), id_key(json::value(1)));
}

}  // namespace
}  // namespace mcpgate::mcp
