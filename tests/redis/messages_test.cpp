// Replies, pub/sub events and revocation messages as they arrive from the network.
#include <gtest/gtest.h>

#include "redis/bounded_reader.hpp"
#include "redis/pubsub_event.hpp"
#include "redis/reply.hpp"
#include "redis/revocation_message.hpp"

namespace mcpgate::redis {
namespace {

TEST(RedisReply, ParsesEveryRespTwoType) {
  auto r = parse_replies("+OK\r\n-ERR bad\r\n:42\r\n$3\r\nabc\r\n$-1\r\n*2\r\n$1\r\na\r\n:1\r\n");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 6u);
  EXPECT_TRUE((*r)[0].is_ok());
  EXPECT_TRUE((*r)[1].is_error());
  EXPECT_EQ((*r)[1].str, "ERR bad");
  EXPECT_EQ((*r)[2].integer, 42);
  EXPECT_EQ((*r)[3].str, "abc");
  EXPECT_EQ((*r)[4].type, Reply::Type::nil);
  ASSERT_EQ((*r)[5].elements.size(), 2u);
  EXPECT_EQ((*r)[5].elements[1].integer, 1);
}

TEST(RedisReply, BinarySafeAndIncompleteInput) {
  auto r = parse_replies(std::string("$3\r\na\0b\r\n$5\r\nab", 13));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u) << "the incomplete second reply waits for more bytes";
  EXPECT_EQ((*r)[0].str, std::string("a\0b", 3));
  EXPECT_FALSE(parse_replies("?what\r\n")) << "unknown type byte: a protocol error";
}

// hiredis 0.14 allocates an array's element table when it reads the header: `*1888888888` asked for
// 15 GB (found by fuzz_redis_messages). An array header above the bound is a protocol error, before
// any allocation; one at the bound is read as usual.
TEST(RedisReply, AnArrayHeaderAboveTheBoundIsAProtocolErrorNotAnAllocation) {
  EXPECT_FALSE(parse_replies("*1888888888\r\n"));
  EXPECT_FALSE(parse_replies("*1\r\n*1\r\n*1888888888\r\n*0\r\n\r\n")) << "nested";
  // Built by appending: g++ 12 misreports `"*" + std::to_string(n)` under -Werror=restrict.
  auto header = [](int n) {
    std::string h("*");
    h.append(std::to_string(n)).append("\r\n");
    return h;
  };
  EXPECT_FALSE(parse_replies(header(kMaxArrayElements + 1)));
  std::string at_bound = header(kMaxArrayElements);
  for (int i = 0; i < kMaxArrayElements; ++i) at_bound += ":1\r\n";
  auto r = parse_replies(at_bound);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].elements.size(), static_cast<std::size_t>(kMaxArrayElements));
}

TEST(RedisPubSub, MessageSubscribeAndPong) {
  auto r = parse_replies(
      "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
      "*2\r\n$4\r\npong\r\n$0\r\n\r\n*3\r\n$7\r\nmessage\r\n:1\r\n$2\r\nhi\r\n-ERR x\r\n");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 5u);
  auto m = parse_pubsub_event((*r)[0]);
  EXPECT_EQ(m.kind, PubSubEvent::Kind::message);
  EXPECT_EQ(m.channel, "ch");
  EXPECT_EQ(m.payload, "hi");
  EXPECT_EQ(parse_pubsub_event((*r)[1]).kind, PubSubEvent::Kind::subscribed);
  EXPECT_EQ(parse_pubsub_event((*r)[2]).kind, PubSubEvent::Kind::pong);
  EXPECT_EQ(parse_pubsub_event((*r)[3]).kind, PubSubEvent::Kind::other) << "a channel that is not a string";
  EXPECT_EQ(parse_pubsub_event((*r)[4]).kind, PubSubEvent::Kind::error);
}

TEST(RevocationMessage, RoundTripsAndSplitsLargeLists) {
  std::vector<RevokedToken> t{{"j1", 1900000000}, {"j2", 1900000300}};
  auto m = encode_revocations(t);
  ASSERT_EQ(m.size(), 1u);
  auto d = decode_revocations(m[0]);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ((*d)[1].jti, "j2");
  EXPECT_EQ((*d)[1].expires_at, 1900000300);
  std::vector<RevokedToken> many(kMaxRevokedPerMessage + 1, {"j", 1});
  EXPECT_EQ(encode_revocations(many).size(), 2u);
}

// Whatever reaches the channel comes from anyone who can publish to this Redis: a malformed
// message is dropped whole rather than half applied.
TEST(RevocationMessage, RefusesMalformedMessages) {
  EXPECT_FALSE(decode_revocations("not json"));
  EXPECT_FALSE(decode_revocations("{}"));
  EXPECT_FALSE(decode_revocations(R"({"revoked":{}})"));
  EXPECT_FALSE(decode_revocations(R"({"revoked":[{"jti":"a"}]})"));
  EXPECT_FALSE(decode_revocations(R"({"revoked":[{"jti":"","exp":1}]})"));
  EXPECT_FALSE(decode_revocations(R"({"revoked":[{"jti":1,"exp":1}]})"));
  EXPECT_FALSE(decode_revocations(R"({"revoked":[{"jti":")" + std::string(kMaxJtiLength + 1, 'x') + R"(","exp":1}]})"));
  EXPECT_FALSE(decode_revocations(R"({"revoked":[[[[[[1]]]]]]})"));
}

}  // namespace
}  // namespace mcpgate::redis
