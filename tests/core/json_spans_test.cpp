// json_spans: where the values of an accepted JSON text lie, for relaying upstream text as is.
#include "core/json_spans.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/json.hpp"

namespace mcpgate {
namespace {

std::string_view at(std::string_view text, JsonSpan s) {
  return text.substr(s.begin, s.size());
}

TEST(JsonSpans, FindsTopLevelMembersAsWritten) {
  std::string_view t = R"(  { "result" : {"a":[1, "x]}", {"b":"}"}]} , "jsonrpc":"2.0",  "id": 1.50 }  )";
  ASSERT_TRUE(parse_json(t));
  auto doc = json_document_span(t);
  ASSERT_TRUE(doc);
  EXPECT_EQ(at(t, *doc).front(), '{');
  EXPECT_EQ(at(t, *doc).back(), '}');
  auto id = json_member_span(t, *doc, "id");
  ASSERT_TRUE(id);
  EXPECT_EQ(at(t, *id), "1.50");
  auto result = json_member_span(t, *doc, "result");
  ASSERT_TRUE(result);
  EXPECT_EQ(at(t, *result), R"({"a":[1, "x]}", {"b":"}"}]})");
  EXPECT_EQ(at(t, *json_member_span(t, *doc, "jsonrpc")), "\"2.0\"");
  EXPECT_FALSE(json_member_span(t, *doc, "missing"));
}

TEST(JsonSpans, AKeyWrittenWithEscapesIsNotFound) {
  // "\u0069d" is "id": the scanner compares the text as written, so it answers "not found" and the
  // caller serializes instead (never a span of another member).
  std::string_view t = R"({"\u0069d":1,"x":"id"})";
  ASSERT_TRUE(parse_json(t));
  EXPECT_FALSE(json_member_span(t, *json_document_span(t), "id"));
}

// Regression (found by fuzz_json_spans): the key backslash-n was "found" at the member written
// "\n", which is a newline. A key that holds a backslash is written with escapes, so it is
// never found by its bytes; the member lookup and the start lookup agree.
TEST(JsonSpans, AKeyHoldingABackslashIsNotFoundAtAnotherMember) {
  std::string_view t = R"( { "\\n":0.25E0, "list" : [ ] , "\n":0.50E2 } )";
  auto v = parse_json(t);
  ASSERT_TRUE(v);
  ASSERT_EQ(v->as_object().size(), 3u);
  auto doc = *json_document_span(t);
  EXPECT_FALSE(json_member_span(t, doc, "\\n"));
  EXPECT_FALSE(json_member_start(t, doc.begin, "\\n"));
  EXPECT_FALSE(json_member_span(t, doc, "\n"));
  auto list = json_member_span(t, doc, "list");
  ASSERT_TRUE(list);
  EXPECT_EQ(t.substr(list->begin, list->size()), "[ ]");
}

TEST(JsonSpans, StringsWithEscapedQuotesAndBackslashes) {
  std::string_view t = R"({"k\"":"v\\","id":"a\"b"})";
  ASSERT_TRUE(parse_json(t));
  auto id = json_member_span(t, *json_document_span(t), "id");
  ASSERT_TRUE(id);
  EXPECT_EQ(at(t, *id), R"("a\"b")");
}

TEST(JsonSpans, ItemsOfAnArray) {
  std::string_view t = "[ {\"n\":\"a,]\"} ,\t[1,[2]], 3e2 ,null,\"s\" ]";
  ASSERT_TRUE(parse_json(t));
  auto items = json_item_spans(t, *json_document_span(t));
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 5u);
  EXPECT_EQ(at(t, (*items)[0]), "{\"n\":\"a,]\"}");
  EXPECT_EQ(at(t, (*items)[1]), "[1,[2]]");
  EXPECT_EQ(at(t, (*items)[2]), "3e2");
  EXPECT_EQ(at(t, (*items)[3]), "null");
  EXPECT_EQ(at(t, (*items)[4]), "\"s\"");
  std::string_view empty = "[ ]";
  auto none = json_item_spans(empty, *json_document_span(empty));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(JsonSpans, WrongKindOrTruncatedTextIsNotFound) {
  std::string_view t = R"({"a":[1,2]})";
  auto doc = json_document_span(t);
  EXPECT_FALSE(json_item_spans(t, *doc));          // an object is not an array
  EXPECT_FALSE(json_member_span(t, {0, 5}, "a"));  // cut inside the value
  EXPECT_FALSE(json_document_span(R"({"a":"unterminated)"));
  EXPECT_FALSE(json_member_span(t, {0, 100}, "a"));  // past the end of the text
}

TEST(JsonSpans, EditsSpliceInOrder) {
  std::string_view t = R"({"id":5,"result":{"tools":[1,2,3]}})";
  auto doc = json_document_span(t);
  auto id = *json_member_span(t, *doc, "id");
  auto result = *json_member_span(t, *doc, "result");
  auto tools = *json_member_span(t, result, "tools");
  auto out = apply_json_edits(
      t, {{id, "\"c\""}, {{result.begin + 1, result.begin + 1}, "\"cacheScope\":\"private\","}, {tools, "[1,3]"}});
  EXPECT_EQ(out, R"({"id":"c","result":{"cacheScope":"private","tools":[1,3]}})");
  EXPECT_TRUE(parse_json(out));
}

TEST(JsonSpans, MemberStartAndArrayWithoutScanningTheRest) {
  std::string_view t = R"({"jsonrpc":"2.0","result":{"ttl":1, "tools" : [ {"n":"a\\"} , "b\"]" ,3 ] ,"x":{}},"id":1})";
  ASSERT_TRUE(parse_json(t));
  auto result = json_member_start(t, 0, "result");
  ASSERT_TRUE(result);
  EXPECT_EQ(t[*result], '{');
  auto tools = json_member_start(t, *result, "tools");
  ASSERT_TRUE(tools);
  auto a = json_array_at(t, *tools);
  ASSERT_TRUE(a);
  EXPECT_EQ(at(t, a->array), R"([ {"n":"a\\"} , "b\"]" ,3 ])");
  ASSERT_EQ(a->items.size(), 3u);
  EXPECT_EQ(at(t, a->items[0]), R"({"n":"a\\"})");
  EXPECT_EQ(at(t, a->items[1]), R"("b\"]")");
  EXPECT_EQ(at(t, a->items[2]), "3");
  EXPECT_FALSE(json_member_start(t, *result, "missing"));
  EXPECT_FALSE(json_array_at(t, *result));  // an object is not an array
  // The result's end from the list's: the members after it skipped ("x":{} and the closing brace).
  auto end = json_object_end(t, a->array.end);
  ASSERT_TRUE(end);
  EXPECT_EQ(*json_member_span(t, {0, t.size()}, "result"), (JsonSpan{*result, *end}));
  EXPECT_EQ(t.substr(*result, *end - *result), R"({"ttl":1, "tools" : [ {"n":"a\\"} , "b\"]" ,3 ] ,"x":{}})");
  EXPECT_EQ(json_object_end(t, *end), t.size());  // and the document's, past "id":1
  EXPECT_FALSE(json_object_end(R"({"a":1 "b":2})", 6));
  EXPECT_FALSE(json_object_end(R"({"a":1,})", 6));
}

}  // namespace
}  // namespace mcpgate
