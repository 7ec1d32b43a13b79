// parse_json_skeleton: the strict parse of a large list reply with its items reduced to the member
// they are judged by. Same texts accepted and refused as parse_json; item i is item i of the text.
#include <gtest/gtest.h>

#include <string>

#include "core/json.hpp"

namespace mcpgate {
namespace {

constexpr JsonSkeletonPath kTools{"result", "tools", "name"};

// What the skeleton must be: parse_json's document with result.tools' items reduced by hand.
json::value expected_skeleton(std::string_view text, const JsonSkeletonPath& p = kTools) {
  auto v = parse_json(text);
  if (!v || !v->is_object()) return v ? *v : json::value();
  auto* m = v->get_object().if_contains(p.member);
  if (!m || !m->is_object()) return *v;
  auto* l = m->get_object().if_contains(p.list);
  if (!l || !l->is_array()) return *v;
  for (auto& item : l->get_array()) {
    if (!item.is_object()) {
      item = nullptr;
      continue;
    }
    json::object reduced;
    if (auto* k = item.get_object().if_contains(p.keep); k && k->is_string()) reduced[p.keep] = *k;
    item = std::move(reduced);
  }
  return *v;
}

void same_as_full_parse(std::string_view text) {
  auto full = parse_json(text);
  auto sk = parse_json_skeleton(text, kTools);
  ASSERT_EQ(full.has_value(), sk.has_value()) << text;
  if (!full) {
    EXPECT_EQ(full.error().message, sk.error().message) << text;
    return;
  }
  EXPECT_EQ(*sk, expected_skeleton(text)) << text << "\n got " << serialize_json(*sk);
}

TEST(ParseJsonSkeleton, ReducesTheListItemsToTheirName) {
  std::string text =
      R"({"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"a","description":"d","inputSchema":{"type":"object",)"
      R"("properties":{"name":{"type":"string"}}}},{"description":"no name"},{"name":7},"str",[1,{"name":"x"}],)"
      R"({"annotations":{"name":"inner"},"name":"b\u00e9"}],"cacheScope":"private"}})";
  auto sk = parse_json_skeleton(text, kTools);
  ASSERT_TRUE(sk);
  auto expected = parse_json(
      R"({"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"a"},{},{},null,null,{"name":"bé"}],"cacheScope":"private"}})");
  ASSERT_TRUE(expected);
  EXPECT_EQ(*sk, *expected);
  same_as_full_parse(text);
}

TEST(ParseJsonSkeleton, LeavesEverythingElseWhole) {
  for (std::string_view text : {
           R"({"result":{"prompts":[{"name":"a","x":1}]}})",           // another list
           R"({"error":{"tools":[{"name":"a","x":1}]}})",              // not the result
           R"({"result":{"nested":{"tools":[{"name":"a","x":1}]}}})",  // deeper
           R"([{"result":{"tools":[{"name":"a","x":1}]}}])",           // root not an object
           R"({"result":[{"tools":[{"name":"a"}]}]})",                 // result not an object
           R"({"result":{"tools":{"name":"a"}}})",                     // tools not an array
           R"({"result":{"tools":[]},"tools":[{"name":"a","b":2}]})",
           R"({"tools":[{"name":"a","b":2}],"result":{"x":[{"name":"q","r":1}],"tools":[{"name":"z","y":[]}]}})",
       })
    same_as_full_parse(text);
}

// Judging a skeleton is only sound if it is refused wherever the full parse is: a duplicate key
// inside an item (two "name"s: the gateway would judge one and the upstream's client run the
// other), malformed text, non-finite numbers, too deep, anywhere in a skipped item.
TEST(ParseJsonSkeleton, RefusesWhatTheFullParseRefuses) {
  for (std::string_view text : {
           R"({"result":{"tools":[{"name":"safe","name":"rm"}]}})",
           R"({"result":{"tools":[{"name":"a","inputSchema":{"type":"object","type":"x"}}]}})",
           R"({"result":{"tools":[{"\u006eame":"a","name":"b"}]}})",
           R"({"result":{"tools":[{"name":"a","x":1e400}]}})",
           R"({"result":{"tools":[{"name":"a",}]}})",
           R"({"result":{"tools":[{"name":"a"}],}})",
           R"({"result":{"tools":[{"name":"a" "b":1}]}})",
           "{\"result\":{\"tools\":[{\"name\":\"\xff\"}]}}",
           R"({"result":{"tools":[{"name":"a"}]},"result":{"tools":[]}})",
           R"({"result":{"tools":[{"name":"a"}],"tools":[]}})",
           R"({"result":{"tools":[{"name":"a"}]}} x)",
           R"({"result":{"tools":[{"name":"a"/*c*/}]}})",
       }) {
    EXPECT_FALSE(parse_json_skeleton(text, kTools)) << text;
    same_as_full_parse(text);
  }
  std::string deep = R"({"result":{"tools":[{"name":"a","x":)";
  deep.append(70, '[');
  deep.append(70, ']');
  deep += "}]}}";
  EXPECT_FALSE(parse_json_skeleton(deep, kTools));
  same_as_full_parse(deep);
}

TEST(ParseJsonSkeleton, KeepsNamesWrittenWithEscapesAndSplitAcrossParts) {
  // A long name with escapes reaches the handler in several parts; the key too.
  std::string name(5000, 'n');
  name += "\\u00e9\\\"";
  std::string text = R"({"result":{"tools":[{"d":"x","na\u006de":")" + name + R"("}]}})";
  same_as_full_parse(text);
  auto sk = parse_json_skeleton(text, kTools);
  ASSERT_TRUE(sk);
  EXPECT_EQ(sk->at("result").at("tools").at(0).at("name").as_string(), std::string(5000, 'n') + "é\"");
}

TEST(ParseJsonSkeleton, OtherListsAndMembers) {
  JsonSkeletonPath resources{"result", "resources", "uri"};
  auto sk = parse_json_skeleton(R"({"result":{"resources":[{"uri":"a://b","name":"n","size":3}]}})", resources);
  ASSERT_TRUE(sk);
  EXPECT_EQ(serialize_json(*sk), R"({"result":{"resources":[{"uri":"a://b"}]}})");
}

}  // namespace
}  // namespace mcpgate
