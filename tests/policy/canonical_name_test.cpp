// The canonical form of resource URIs (RFC 3986 §6.2.2) and of tool and prompt names: what the
// policy judges is what the upstream receives, and a spelling that readers may take for two
// different things is refused (see policy/canonical_name.hpp).
#include "policy/canonical_name.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace mcpgate::policy;

namespace {
std::string ok(std::string_view uri) {
  auto c = canonical_uri(uri);
  EXPECT_TRUE(c.has_value()) << uri << ": " << (c ? "" : describe(c.error()));
  return c ? *c : std::string("<refused>");
}
NameError refused(std::string_view uri) {
  auto c = canonical_uri(uri);
  EXPECT_FALSE(c.has_value()) << uri << " → " << (c ? *c : "");
  return c ? NameError::empty : c.error();
}
}  // namespace

// RFC 3986 §6.2.2.1: scheme and host are case-insensitive; the rest is not.
TEST(CanonicalUri, LowerCasesSchemeAndHostOnly) {
  EXPECT_EQ(ok("RES://PUBLIC/Doc"), "res://public/Doc");
  EXPECT_EQ(ok("HTTPS://User@Example.COM:8443/A?Q=B#F"), "https://User@example.com:8443/A?Q=B#F");
  EXPECT_EQ(ok("Urn:ISBN:0451450523"), "urn:ISBN:0451450523");
}

// RFC 3986 §6.2.2.2: unreserved characters decoded, other escapes in upper-case hex.
TEST(CanonicalUri, NormalizesPercentEncoding) {
  EXPECT_EQ(ok("res://public/%41%7e%2d%5F"), "res://public/A~-_");
  EXPECT_EQ(ok("res://public/a%2a%3f"), "res://public/a%2A%3F");
  EXPECT_EQ(ok("res://%50ublic/x"), "res://public/x");                      // decoded, then the host is lower-cased
  EXPECT_EQ(ok("res://A%3aB/x"), "res://a%3Ab/x");                          // escapes in the host keep upper-case hex
  EXPECT_EQ(ok("res://public/x?path=a%2fb"), "res://public/x?path=a%2Fb");  // a slash in a query is data
  EXPECT_EQ(ok("res://public/caf%C3%A9"), "res://public/caf%C3%A9");        // non-ASCII escapes stay escaped
  EXPECT_EQ(ok("res://public/café"), "res://public/café");                  // IRI form stays as sent
}

// RFC 3986 §5.2.4 / §6.2.2.3, after decoding (%2e is '.').
TEST(CanonicalUri, RemovesDotSegments) {
  EXPECT_EQ(ok("res://public/./1"), "res://public/1");
  EXPECT_EQ(ok("res://public/a/../1"), "res://public/1");
  EXPECT_EQ(ok("res://public/a/%2E%2e/1"), "res://public/1");
  EXPECT_EQ(ok("res://public/a/.."), "res://public/");
  EXPECT_EQ(ok("res://public/a/b/."), "res://public/a/b/");
  EXPECT_EQ(ok("file:///srv/data/./x/../y"), "file:///srv/data/y");
  EXPECT_EQ(ok("res:a/./b/../c"), "res:a/c");  // no authority: the same rules
  EXPECT_EQ(ok("res://public"), "res://public");
  EXPECT_EQ(ok("res://public/a//b"), "res://public/a//b");  // empty segments are kept
  EXPECT_EQ(ok("res://public/...x/..."), "res://public/...x/...");
}

// `..` above the root is dropped by RFC 3986 but may be followed by a file-backed server.
TEST(CanonicalUri, RefusesDotSegmentsThatEscape) {
  EXPECT_EQ(refused("res://public/../secret/1"), NameError::escapes_root);
  EXPECT_EQ(refused("res://public/%2e%2e/secret/1"), NameError::escapes_root);
  EXPECT_EQ(refused("res://public/.%2E/secret"), NameError::escapes_root);
  EXPECT_EQ(refused("res://public/a/../../secret"), NameError::escapes_root);
  EXPECT_EQ(refused("res://public/.."), NameError::escapes_root);
  EXPECT_EQ(refused("file:///../etc/passwd"), NameError::escapes_root);
  EXPECT_EQ(refused("res:../x"), NameError::escapes_root);
  EXPECT_EQ(refused("res:/a/..//b"), NameError::escapes_root);  // would re-read as an authority
  EXPECT_EQ(refused("res://.."), NameError::escapes_root);      // found by fuzzing
  EXPECT_EQ(refused("res://%2e/x"), NameError::escapes_root);
}

TEST(CanonicalUri, RefusesWhatServersReadDifferently) {
  EXPECT_EQ(refused("res://public/..%2fsecret"), NameError::encoded_slash);
  EXPECT_EQ(refused("res://public/a%2Fb"), NameError::encoded_slash);
  EXPECT_EQ(refused("res://pub%2flic/a"), NameError::encoded_slash);
  EXPECT_EQ(refused("res://public/a%5cb"), NameError::encoded_backslash);
  EXPECT_EQ(refused("res://public/..\\secret"), NameError::forbidden_character);
  EXPECT_EQ(refused("res://public/%252e%252e/x"), NameError::double_encoding);
  EXPECT_EQ(refused("res://public/%25c%35"), NameError::double_encoding);  // made by decoding (fuzzing)
  EXPECT_EQ(refused("res://public/1%00"), NameError::nul);
  EXPECT_EQ(refused(std::string_view("res://public/1\0", 15)), NameError::nul);
  EXPECT_EQ(refused("res://public/%0a"), NameError::control_character);
  EXPECT_EQ(refused("res://public/\x07"), NameError::control_character);
  EXPECT_EQ(refused("res://public/\xc2\x85"), NameError::control_character);  // C1 (NEL)
  EXPECT_EQ(refused("res://public/a b"), NameError::white_space);
  EXPECT_EQ(refused("res://public/a\xe2\x80\x8b"), NameError::invisible_character);  // U+200B
  EXPECT_EQ(refused("res://public/%zz"), NameError::bad_percent_encoding);
  EXPECT_EQ(refused("res://public/%4"), NameError::bad_percent_encoding);
  EXPECT_EQ(refused("res://public/\xff"), NameError::invalid_utf8);
  EXPECT_EQ(refused("res://public/\xc0\xaf"), NameError::invalid_utf8);      // overlong '/'
  EXPECT_EQ(refused("res://public/\xed\xa0\x80"), NameError::invalid_utf8);  // surrogate
  EXPECT_EQ(refused("/relative/path"), NameError::no_scheme);
  EXPECT_EQ(refused("1res://x"), NameError::no_scheme);
  EXPECT_EQ(refused(""), NameError::empty);
  EXPECT_EQ(refused(std::string(kMaxUriBytes + 1, 'a')), NameError::too_long);
}

TEST(CanonicalUri, KeepsTemplatesAndPatterns) {
  EXPECT_EQ(ok("crm://Customers/{id}"), "crm://customers/{id}");
  EXPECT_EQ(ok("RES://PUBLIC/*"), "res://public/*");
  EXPECT_EQ(ok("file:///{+path}"), "file:///{+path}");
}

TEST(CanonicalUri, IsIdempotent) {
  for (auto uri : {"RES://Public/%41/./b/../c%2a?x=%2f#Frag", "res:a/b/..", "file:///a/%7E/%2e/b"}) {
    auto once = ok(uri);
    EXPECT_EQ(ok(once), once) << uri;
  }
}

// 2025-11-25 server/tools "Tool names": case-sensitive; compared byte for byte.
TEST(CanonicalName, AcceptsVisibleNamesAsTheyAre) {
  EXPECT_EQ(*canonical_name("getUser"), "getUser");
  EXPECT_EQ(*canonical_name("admin.tools.list"), "admin.tools.list");
  EXPECT_EQ(*canonical_name("read_ünïcode_notes"), "read_ünïcode_notes");
  EXPECT_EQ(*canonical_name("crm/get_customer"), "crm/get_customer");
}

// A deny rule on `delete_all` must not be passed by `delete_all ` that an upstream trims.
TEST(CanonicalName, RefusesInvisibleDifferences) {
  EXPECT_EQ(canonical_name("delete_all ").error(), NameError::white_space);
  EXPECT_EQ(canonical_name(" delete_all").error(), NameError::white_space);
  EXPECT_EQ(canonical_name("delete all").error(), NameError::white_space);
  EXPECT_EQ(canonical_name("delete_all\t").error(), NameError::control_character);
  EXPECT_EQ(canonical_name("delete_all\n").error(), NameError::control_character);
  EXPECT_EQ(canonical_name(std::string_view("delete\0all", 10)).error(), NameError::nul);
  EXPECT_EQ(canonical_name("delete_all\xc2\xa0").error(), NameError::white_space);              // U+00A0
  EXPECT_EQ(canonical_name("delete_all\xe2\x80\x8b").error(), NameError::invisible_character);  // U+200B
  EXPECT_EQ(canonical_name("delete_\xe2\x80\xae"
                           "all")
                .error(),
            NameError::invisible_character);  // U+202E
  EXPECT_EQ(canonical_name("\xef\xbb\xbf"
                           "delete_all")
                .error(),
            NameError::invisible_character);  // BOM
  EXPECT_EQ(canonical_name("delete_all\xff").error(), NameError::invalid_utf8);
  EXPECT_EQ(canonical_name("").error(), NameError::empty);
  EXPECT_EQ(canonical_name(std::string(kMaxNameBytes + 1, 'a')).error(), NameError::too_long);
}
