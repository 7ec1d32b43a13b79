#include "redis/url.hpp"

#include <gtest/gtest.h>

namespace mcpgate::redis {
namespace {

TEST(RedisUrl, HostPortAndDatabase) {
  auto e = parse_url("redis://cache.internal:6380/2");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->host, "cache.internal");
  EXPECT_EQ(e->port, 6380);
  EXPECT_EQ(e->db, 2);
  auto d = parse_url("redis://127.0.0.1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->port, 6379);
  EXPECT_EQ(d->db, 0);
  auto v6 = parse_url("redis://[::1]:7000/");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
}

TEST(RedisUrl, RefusesAPasswordInTheUrlWithoutEchoingIt) {
  auto e = parse_url("redis://:hunter2@cache:6379/0");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message.find("hunter2"), std::string::npos);
  EXPECT_NE(e.error().message.find("password_env"), std::string::npos);
  EXPECT_FALSE(parse_url("redis://user:pw@cache"));
}

TEST(RedisUrl, RefusesTlsOtherSchemesAndBadParts) {
  auto tls = parse_url("rediss://cache:6380");
  ASSERT_FALSE(tls);
  EXPECT_NE(tls.error().message.find("TLS"), std::string::npos);
  EXPECT_FALSE(parse_url("http://cache:6379"));
  EXPECT_FALSE(parse_url("redis://cache:0"));
  EXPECT_FALSE(parse_url("redis://cache:70000"));
  EXPECT_FALSE(parse_url("redis://cache/x"));
  EXPECT_FALSE(parse_url("redis://cache/1/2"));
  EXPECT_FALSE(parse_url("redis://cache/99999"));
  EXPECT_FALSE(parse_url("redis://cache?db=1"));
  EXPECT_FALSE(parse_url("redis://"));
}

}  // namespace
}  // namespace mcpgate::redis
