// `redis:`: strict like every section, the password never from the URL.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "config/gateway_config.hpp"
#include "config_error.hpp"

namespace mcpgate::config {
namespace {

const std::string kServer =
    "servers:\n"
    "  - name: s\n"
    "    path: /mcp\n"
    "    auth: { anonymous: true }\n"
    "    upstreams:\n"
    "      - name: u\n"
    "        stdio: { command: [x] }\n";

using test_support::expect_error;

TEST(RedisConfig, AbsentMeansNoRedis) {
  auto r = parse_gateway_config(kServer, "gw.yaml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->redis);
}

TEST(RedisConfig, DefaultsAndEveryField) {
  auto d = parse_gateway_config("redis: { url: \"redis://127.0.0.1:6379/1\" }\n" + kServer, "gw.yaml");
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_TRUE(d->redis);
  EXPECT_EQ(d->redis->url, "redis://127.0.0.1:6379/1");
  EXPECT_EQ(d->redis->key_prefix, "mcpgate:");
  EXPECT_EQ(d->redis->connect_timeout, std::chrono::milliseconds(1000));
  EXPECT_EQ(d->redis->revocation_max_staleness, std::chrono::seconds(30));
  EXPECT_TRUE(d->redis->password.empty());
  ::setenv("MCPGATE_TEST_REDIS_PW", "pw-from-env", 1);
  auto r = parse_gateway_config(
      "redis:\n  url: redis://cache:6380\n  password_env: MCPGATE_TEST_REDIS_PW\n  connect_timeout_ms: 200\n"
      "  command_timeout_ms: 300\n  key_prefix: \"prod:\"\n  revocation_max_staleness_seconds: 10\n" +
          kServer,
      "gw.yaml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->redis->password, "pw-from-env");
  EXPECT_EQ(r->redis->connect_timeout, std::chrono::milliseconds(200));
  EXPECT_EQ(r->redis->command_timeout, std::chrono::milliseconds(300));
  EXPECT_EQ(r->redis->key_prefix, "prod:");
  EXPECT_EQ(r->redis->revocation_max_staleness, std::chrono::seconds(10));
}

TEST(RedisConfig, PasswordFromAFile) {
  auto path = std::filesystem::temp_directory_path() / ("redis-pw-" + std::to_string(::getpid()));
  std::ofstream(path) << "pw-from-file\n";
  auto r = parse_gateway_config("redis:\n  url: redis://cache\n  password_file: " + path.string() + "\n" + kServer,
                                "gw.yaml");
  std::filesystem::remove(path);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->redis->password, "pw-from-file");
}

TEST(RedisConfig, RefusesUnknownKeysBadUrlsAndPasswordsInTheUrl) {
  expect_error("redis:\n  url: redis://cache\n  pasword_env: X\n" + kServer, 3, "redis.pasword_env", "unknown key");
  expect_error("redis:\n  key_prefix: x\n" + kServer, 2, "redis.url", "is required");
  expect_error("redis:\n  url: \"redis://:hunter2@cache\"\n" + kServer, 2, "redis.url", "password_env");
  auto r = parse_gateway_config("redis:\n  url: \"redis://:hunter2@cache\"\n" + kServer, "gw.yaml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find("hunter2"), std::string::npos) << "the refusal does not repeat the password";
  expect_error("redis:\n  url: rediss://cache\n" + kServer, 2, "redis.url", "TLS");
  expect_error("redis:\n  url: redis://cache\n  password_env: MCPGATE_TEST_UNSET_VAR\n" + kServer, 3,
               "redis.password_env", "is not set");
  expect_error("redis:\n  url: redis://cache\n  key_prefix: \"a b\"\n" + kServer, 3, "redis.key_prefix");
  expect_error("redis:\n  url: redis://cache\n  revocation_max_staleness_seconds: 0\n" + kServer, 3,
               "redis.revocation_max_staleness_seconds");
  expect_error("redis:\n  url: redis://cache\n  connect_timeout_ms: 0\n" + kServer, 3, "redis.connect_timeout_ms");
}

// The store reload is the fallback while Redis is down: a staleness bound within its period
// would refuse every embedded token during any Redis outage.
TEST(RedisConfig, StalenessMustExceedTheStoreReloadPeriod) {
  expect_error(
      "authorization_server:\n  revocation_reload_seconds: 10\nredis:\n  url: redis://cache\n"
      "  revocation_max_staleness_seconds: 10\n" +
          kServer,
      4, "redis.revocation_max_staleness_seconds", "revocation_reload_seconds");
  auto ok = parse_gateway_config(
      "authorization_server:\n  revocation_reload_seconds: 10\nredis:\n  url: redis://cache\n"
      "  revocation_max_staleness_seconds: 11\n" +
          kServer,
      "gw.yaml");
  EXPECT_TRUE(ok) << ok.error().message;
}

}  // namespace
}  // namespace mcpgate::config
