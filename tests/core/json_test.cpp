// parse_json: strict RFC 8259 for untrusted input.
#include "core/json.hpp"

#include <gtest/gtest.h>

#include <boost/json/monotonic_resource.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mcpgate {
namespace {

bool accepts(std::string_view text, const JsonLimits& l = {}) {
  return parse_json(text, l).has_value();
}

// `open` '[' then `close` ']' (built with append: g++ 12 -O3 warns falsely on operator+ here).
std::string nested(std::size_t open, std::size_t close) {
  std::string s;
  s.append(open, '[');
  s.append(close, ']');
  return s;
}

TEST(ParseJson, AcceptsPlainDocuments) {
  for (std::string_view ok :
       {"{}", "[]", "0", "-1", "1.5e3", "\"s\"", "true", "false", "null", " { \"a\" : [1, 2, {\"b\": null}] } ",
        "{\"a\":1,\"A\":2}", "\"\\u00e9\"", "\"é\"", "\"\\ud83d\\ude00\"", "\t\r\n[]\t\r\n"}) {
    EXPECT_TRUE(accepts(ok)) << ok;
  }
  auto v = parse_json(R"({"jsonrpc":"2.0","id":7,"params":{"n":[1,"x",true]}})");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->at("id").as_int64(), 7);
  EXPECT_EQ(v->at("params").at("n").at(1).as_string(), "x");
}

TEST(ParseJson, RejectsDuplicateKeys) {
  auto r = parse_json(R"({"name":"safe","name":"rm -rf"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "duplicate object key");
}

TEST(ParseJson, RejectsDuplicateKeysAtAnyDepth) {
  EXPECT_FALSE(accepts(R"({"params":{"name":"a","name":"b"}})"));
  EXPECT_FALSE(accepts(R"([{"ok":1},{"x":{"y":[{"z":1,"z":2}]}}])"));
  // The same key in sibling objects, or at different levels, is not a duplicate.
  EXPECT_TRUE(accepts(R"([{"a":1},{"a":2}])"));
  EXPECT_TRUE(accepts(R"({"a":{"a":{"a":1}}})"));
  EXPECT_TRUE(accepts(R"({"a":{"b":1},"b":2})"));
}

TEST(ParseJson, DuplicateDetectionComparesDecodedKeys) {
  // "a" and "\u0061" are the same key once unescaped; a comparison on raw bytes would miss it and
  // the upstream (which decodes) would see a different value than the gateway checked.
  EXPECT_FALSE(accepts(R"({"a":1,"\u0061":2})"));
  EXPECT_FALSE(accepts(R"({"\u006e\u0061me":1,"name":2})"));
  EXPECT_FALSE(accepts(R"({"é":1,"\u00e9":2})"));
  EXPECT_FALSE(accepts(R"({"\/":1,"/":2})"));
  EXPECT_TRUE(accepts(R"({"a":1,"\u0041":2})"));
}

TEST(ParseJson, DuplicateDetectionSurvivesManyKeys) {
  // Past the small-object threshold the key set changes representation.
  std::string big = "{";
  for (int i = 0; i < 200; ++i) big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  std::string ok = big + "\"last\":0}";
  EXPECT_TRUE(accepts(ok));
  EXPECT_FALSE(accepts(big + "\"k0\":0}"));
  EXPECT_FALSE(accepts(big + "\"k199\":0}"));
  EXPECT_FALSE(accepts(big + "\"k31\":0}"));
  EXPECT_FALSE(accepts(big + "\"k32\":0}"));
}

TEST(ParseJson, DuplicateDetectionOfALargeObjectSurvivesNestedObjects) {
  // The keys of an outer object with many keys are kept while inner objects open and close.
  std::string big = "{";
  for (int i = 0; i < 40; ++i) big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  big += "\"n\":{\"x\":1,\"y\":{\"k0\":1,\"k39\":2}},";
  EXPECT_TRUE(accepts(big + "\"last\":0}"));
  EXPECT_FALSE(accepts(big + "\"k39\":0}"));
  EXPECT_FALSE(accepts(big + "\"n\":0}"));
  EXPECT_FALSE(accepts(big + "\"last\":0,\"last\":1}"));
}

TEST(ParseJson, DuplicateKeySplitAcrossLongEscapedKey) {
  // Long keys are delivered in parts; the whole key must be compared.
  std::string key(5000, 'k');
  std::string escaped;
  for (char c : key) escaped += c == 'k' ? "\\u006b" : std::string(1, c);
  EXPECT_FALSE(accepts("{\"" + key + "\":1,\"" + escaped + "\":2}"));
  EXPECT_TRUE(accepts("{\"" + key + "\":1,\"" + key + "x\":2}"));
}

TEST(ParseJson, RejectsComments) {
  EXPECT_FALSE(accepts("{} // trailing"));
  EXPECT_FALSE(accepts("/* lead */ {}"));
  EXPECT_FALSE(accepts("{\"a\": /* inner */ 1}"));
  EXPECT_FALSE(accepts("[1, # hash\n2]"));
}

TEST(ParseJson, RejectsTrailingCommas) {
  EXPECT_FALSE(accepts("[1,2,]"));
  EXPECT_FALSE(accepts("{\"a\":1,}"));
  EXPECT_FALSE(accepts("[,]"));
}

TEST(ParseJson, RejectsTrailingData) {
  EXPECT_FALSE(accepts("{}{}"));
  EXPECT_FALSE(accepts("{} x"));
  EXPECT_FALSE(accepts("1 2"));
  EXPECT_FALSE(accepts(std::string("{}\0", 3)));
  EXPECT_FALSE(accepts("[]]"));
}

TEST(ParseJson, RejectsIncompleteAndEmpty) {
  for (std::string_view bad : {"", " ", "{", "[1,", "{\"a\"", "{\"a\":", "\"open", "tru", "nul", "-", "1."}) {
    EXPECT_FALSE(accepts(bad)) << bad;
  }
}

TEST(ParseJson, RejectsNonJsonLiteralsAndNumbers) {
  for (std::string_view bad :
       {"NaN", "Infinity", "-Infinity", "01", "+1", ".5", "0x10", "'single'", "{a:1}", "[True]", "undefined"}) {
    EXPECT_FALSE(accepts(bad)) << bad;
  }
}

TEST(ParseJson, RejectsInvalidUtf8) {
  EXPECT_FALSE(accepts("\"\xC3\""));              // truncated sequence
  EXPECT_FALSE(accepts("\"\xC0\xAF\""));          // overlong '/'
  EXPECT_FALSE(accepts("\"\xED\xA0\x80\""));      // UTF-16 surrogate encoded in UTF-8
  EXPECT_FALSE(accepts("\"\xF4\x90\x80\x80\""));  // above U+10FFFF
  EXPECT_FALSE(accepts("\"\xFF\""));
  EXPECT_FALSE(accepts("{\"\xFF\":1}")) << "keys too";
}

TEST(ParseJson, RejectsControlCharactersInStrings) {
  EXPECT_FALSE(accepts("\"a\nb\""));
  EXPECT_FALSE(accepts(std::string("\"a\0b\"", 5)));
  EXPECT_FALSE(accepts("\"\t\""));
  EXPECT_FALSE(accepts(R"("\x41")"));
}

TEST(ParseJson, DepthLimit) {
  JsonLimits l;
  l.max_depth = 8;
  EXPECT_TRUE(accepts(nested(8, 8), l));
  EXPECT_FALSE(accepts(nested(9, 9), l));
  std::string objects;
  for (int i = 0; i < 9; ++i) objects += "{\"a\":";
  objects += '1';
  objects.append(9, '}');
  EXPECT_FALSE(accepts(objects, l));
}

TEST(ParseJson, DepthBombIsRejectedWithoutRecursion) {
  // A million open brackets: must fail on depth, not exhaust the stack.
  EXPECT_FALSE(accepts(nested(1'000'000, 0)));
  EXPECT_FALSE(accepts(nested(100'000, 100'000)));
  std::string objects;
  for (int i = 0; i < 100'000; ++i) objects += "{\"a\":";
  EXPECT_FALSE(accepts(objects));
}

TEST(ParseJson, SizeLimit) {
  JsonLimits l;
  l.max_bytes = 16;
  EXPECT_TRUE(accepts(R"({"a":"1234567"})", l));   // 15 bytes
  EXPECT_TRUE(accepts(R"({"a":"12345678"})", l));  // 16 bytes
  auto r = parse_json(R"({"a":"123456789"})", l);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("16"), std::string::npos);
}

TEST(ParseJson, NumbersKeepTheirKind) {
  auto v = parse_json(R"([1, -1, 18446744073709551615, 1.0, 1e2])");
  ASSERT_TRUE(v);
  auto& a = v->as_array();
  EXPECT_TRUE(a[0].is_int64());
  EXPECT_TRUE(a[1].is_int64());
  EXPECT_TRUE(a[2].is_uint64());
  EXPECT_TRUE(a[3].is_double());
  EXPECT_TRUE(a[4].is_double());
}

TEST(ParseJson, RejectsNumbersBeyondDoubleRange) {
  // Regression (found by fuzz_json): 1e400 became infinity, which serializes as `Infinity`, so
  // an accepted request was forwarded as text no JSON parser reads.
  EXPECT_FALSE(accepts("1e400"));
  EXPECT_FALSE(accepts("[-1e400]"));
  EXPECT_FALSE(accepts(R"({"progress":5999999999e99999})"));
  EXPECT_TRUE(accepts("1.7976931348623157e308"));
  EXPECT_TRUE(accepts("1e-400")) << "underflow to zero is still a finite number";
}

TEST(ParseJson, ReusableAfterFailure) {
  // The parser keeps no state between calls: a failure must not leak into the next document.
  EXPECT_FALSE(accepts(R"({"a":1,"a":2})"));
  EXPECT_TRUE(accepts(R"({"a":1})"));
}

// Regression: the storage given for a large reply only held the parser's scratch stack; the
// document itself went to the default allocator, node by node (a malloc and a free for each of
// the ~100,000 nodes of a 1 MB tools/list, a third of the gateway's time on it).
TEST(ParseJson, BuildsTheDocumentInTheGivenStorage) {
  auto mr = json::make_shared_resource<json::monotonic_resource>();
  auto v =
      parse_json(R"({"tools":[{"name":"a","inputSchema":{"type":"object"}}],"s":"a string longer than SBO"})", {}, mr);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->storage().get(), mr.get());
  auto& tool = v->at("tools").at(0).as_object();
  EXPECT_EQ(tool.storage().get(), mr.get());
  EXPECT_EQ(tool.at("inputSchema").as_object().storage().get(), mr.get());
  EXPECT_EQ(v->at("s").as_string().storage().get(), mr.get());
  // Without one, the default allocator as before.
  auto plain = parse_json(R"({"a":[1]})");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->storage().get(), json::storage_ptr().get());
}

// Each thread reuses one parser (core/json.cpp): what a text leaves behind, a failure half-way
// through an object, a skeleton path, another depth limit, must not change how the next text is
// read. Every text here is read after all the others on one thread, and compared with what a
// thread that never parsed anything makes of it.
TEST(ParseJson, OneThreadsParserCarriesNothingFromOneTextToTheNext) {
  static constexpr JsonSkeletonPath kTools{"result", "tools", "name"};
  struct Text {
    std::string text;
    JsonLimits limits;
    bool skeleton = false;
  };
  auto read = [](const Text& t) {
    auto r = t.skeleton ? parse_json_skeleton(t.text, kTools, t.limits) : parse_json(t.text, t.limits);
    return r ? "ok " + serialize_json(*r) : "error " + r.error().message;
  };
  auto fresh = [&](const Text& t) {
    std::string out;
    std::thread([&] { out = read(t); }).join();
    return out;
  };
  JsonLimits shallow;
  shallow.max_depth = 3;
  // In this order: each failure is followed by texts read with the same limits (a change of the
  // depth limit builds a new parser, which would hide what the old one kept).
  const Text texts[] = {
      {R"({"a":{"b":{"c":1,"c":2}}})", {}},                         // fails three objects deep
      {R"({"a":{"b":{"c":1)", {}},                                  // cut off with objects open
      {R"({"a":{"b":{"d":1}},"c":2})", {}},                         // keys the failures left open
      {R"({"result":{"tools":[{"name":"a","x":{"y":[)", {}, true},  // cut off inside an item
      {R"({"result":{"tools":[{"name":"a","x":1},{"name":"b"}],"n":2}})", {}, true},
      {R"({"c":1,"b":2,"a":3})", {}},
      {R"([{"name":"x","v":[1,{"name":"y"}]}])", {}},
      {R"({"a":{"b":{"c":1}}})", shallow},  // over these limits' depth
      {R"({"a":1})", shallow},
  };
  std::vector<std::string> expected;
  for (auto& t : texts) expected.push_back(fresh(t));
  for (int round = 0; round < 2; ++round)
    for (std::size_t i = 0; i < std::size(texts); ++i) EXPECT_EQ(read(texts[i]), expected[i]) << texts[i].text;
}

// The reused parser lets go of the storage the document was built in: the caller's resource is
// freed when the caller and the document are done with it, not when the thread parses again.
TEST(ParseJson, TheParserKeepsNoHoldOnTheCallersStorage) {
  struct Watched : json::memory_resource {
    bool* gone;
    explicit Watched(bool* g) : gone(g) {}
    ~Watched() override { *gone = true; }
    // Boost.JSON asks for at most the alignment of max_align_t, and does not always pass the same
    // alignment back when it frees: the plain operators, which need neither.
    void* do_allocate(std::size_t n, std::size_t) override { return ::operator new(n); }
    void do_deallocate(void* p, std::size_t, std::size_t) override { ::operator delete(p); }
    bool do_is_equal(const json::memory_resource& o) const noexcept override { return this == &o; }
  };
  for (std::string_view text : {R"({"a":["a string longer than SBO",{"b":1}]})", R"({"a":[1,)"}) {
    bool gone = false;
    {
      auto sp = json::make_shared_resource<Watched>(&gone);
      auto v = parse_json(text, {}, sp);
    }
    EXPECT_TRUE(gone) << text;
  }
}

TEST(Serialize, RoundTrips) {
  std::string text = R"({"a":[1,"two",{"b":null}],"c":true,"d":"\u0000\n"})";
  auto v = parse_json(text);
  ASSERT_TRUE(v);
  auto again = parse_json(serialize_json(*v));
  ASSERT_TRUE(again);
  EXPECT_EQ(*v, *again);
}

}  // namespace
}  // namespace mcpgate
