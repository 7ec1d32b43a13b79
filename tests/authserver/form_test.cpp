#include "authserver/form.hpp"

#include <gtest/gtest.h>

#include "core/base64url.hpp"

namespace mcpgate::authserver {
namespace {

TEST(Form, DecodesPlusAndPercent) {
  auto p = parse_form("a=b+c&d=%2F%3d&e=");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->at("a"), "b c");
  EXPECT_EQ(p->at("d"), "/=");
  EXPECT_FALSE(p->contains("e")) << "empty values count as omitted (RFC 6749 §3.1)";
}

TEST(Form, RefusesDuplicatesBadEscapesAndExcess) {
  EXPECT_EQ(parse_form("a=1&a=2").error(), FormError::duplicate);
  EXPECT_EQ(parse_form("a=&a=2").error(), FormError::duplicate);
  EXPECT_EQ(parse_form("a=%zz").error(), FormError::bad_encoding);
  EXPECT_EQ(parse_form("a=%4").error(), FormError::bad_encoding);
  EXPECT_EQ(parse_form("a=%").error(), FormError::bad_encoding);
  std::string many;
  for (int i = 0; i < 70; ++i) {
    many.append("k");
    many.append(std::to_string(i));
    many.append("=v&");
  }
  EXPECT_EQ(parse_form(many).error(), FormError::too_many);
  EXPECT_EQ(parse_form(std::string(70 * 1024, 'a')).error(), FormError::too_large);
}

// RFC 6749 §2.3.1: id and secret are each application/x-www-form-urlencoded before they are joined
// with ':' and Base64-encoded, so '+' is a space and %XX a byte. The raw reading is kept for
// clients that do not encode (the MCP TypeScript SDK sends btoa(id:secret)).
TEST(BasicAuth, Rfc6749FormDecodingAndTheRawReading) {
  auto b = parse_basic_auth("Basic " + base64_encode("my%20id:p%2Bw%25"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->client_id, "my id");
  EXPECT_EQ(b->client_secret.reveal(), "p+w%");
  EXPECT_EQ(b->raw_client_id, "my%20id");
  EXPECT_EQ(b->raw_client_secret.reveal(), "p%2Bw%25");
  // Regression: '+' in a form-encoded secret is a space (a secret with a space was refused).
  auto plus = parse_basic_auth("Basic " + base64_encode("id:two+words+%2B+more"));
  ASSERT_TRUE(plus);
  EXPECT_EQ(plus->client_secret.reveal(), "two words + more");
  EXPECT_EQ(plus->raw_client_secret.reveal(), "two+words+%2B+more");
  // An id with ':' can only travel encoded; the split is at the first ':'.
  auto colon = parse_basic_auth("Basic " + base64_encode("tenant%3Aapp:a%3Ab"));
  ASSERT_TRUE(colon);
  EXPECT_EQ(colon->client_id, "tenant:app");
  EXPECT_EQ(colon->client_secret.reveal(), "a:b");
  // Malformed escapes: there is no form reading, both readings are the text as sent.
  auto raw = parse_basic_auth("basic  " + base64_encode("id:a+b%zz:c"));
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->client_id, "id");
  EXPECT_EQ(raw->client_secret.reveal(), "a+b%zz:c");
  EXPECT_EQ(raw->raw_client_secret.reveal(), "a+b%zz:c");
}

TEST(BasicAuth, RefusesOtherSchemesAndGarbage) {
  EXPECT_FALSE(parse_basic_auth("Bearer abc"));
  EXPECT_FALSE(parse_basic_auth("Basic"));
  EXPECT_FALSE(parse_basic_auth("Basic !!!"));
  EXPECT_FALSE(parse_basic_auth("Basic " + base64_encode("nocolon")));
  EXPECT_FALSE(parse_basic_auth("Basic " + base64_encode(":secret")));
  EXPECT_FALSE(parse_basic_auth("Basicx " + base64_encode("a:b")));
}

}  // namespace
}  // namespace mcpgate::authserver
