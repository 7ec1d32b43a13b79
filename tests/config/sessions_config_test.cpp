// `sessions:`: sealing keys from the environment or a file (never inline), rotation order kept,
// and refusals that name the file, line and key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "config/gateway_config.hpp"
#include "config_error.hpp"

namespace mcpgate::config {
namespace {

std::string doc(const std::string& sessions) {
  return sessions +
         "servers:\n"
         "  - name: s\n"
         "    path: /mcp\n"
         "    auth: { anonymous: true }\n"
         "    upstreams:\n"
         "      - name: u\n"
         "        http: { url: \"http://127.0.0.1:1/\" }\n";
}

using test_support::expect_error;

std::string key_file(const std::string& content) {
  // Named after the process and a counter: ctest runs each test in its own process, where
  // std::rand() starts from the same seed, so two tests running at once wrote the same file.
  static int n = 0;
  auto path = ::testing::TempDir() + "seal-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".key";
  std::ofstream(path) << content;
  return path;
}

TEST(SessionsConfig, DefaultsWithoutTheSection) {
  auto g = parse_gateway_config(doc(""));
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_TRUE(g->sessions.sealing_keys.empty());
  EXPECT_EQ(g->sessions.max_age, std::chrono::hours(24));
}

TEST(SessionsConfig, KeysFromFileAndEnvironmentInOrder) {
  ::setenv("MCPGATE_TEST_SEAL_KEY", "0123456789abcdef0123456789abcdef-env", 1);
  auto file = key_file("0123456789abcdef0123456789abcdef-file\n");
  auto g = parse_gateway_config(
      doc("sessions:\n  max_age_seconds: 3600\n  sealing_keys:\n    - { id: new, secret_file: " + file +
          " }\n    - { id: old, secret_env: MCPGATE_TEST_SEAL_KEY }\n"));
  ASSERT_TRUE(g) << g.error().message;
  ASSERT_EQ(g->sessions.sealing_keys.size(), 2u);
  EXPECT_EQ(g->sessions.sealing_keys[0].id, "new");
  EXPECT_EQ(g->sessions.sealing_keys[0].secret, "0123456789abcdef0123456789abcdef-file");  // trailing newline dropped
  EXPECT_EQ(g->sessions.sealing_keys[1].secret, "0123456789abcdef0123456789abcdef-env");
  EXPECT_EQ(g->sessions.max_age, std::chrono::seconds(3600));
}

TEST(SessionsConfig, RefusalsNameTheKey) {
  auto file = key_file("0123456789abcdef0123456789abcdef");
  expect_error(doc("sessions:\n  sealing_key: []\n"), "sessions.sealing_key", "unknown key");
  expect_error(doc("sessions:\n  sealing_keys:\n    - { id: a, secret: inline }\n"), "sessions.sealing_keys[0].secret",
               "unknown key");
  expect_error(doc("sessions:\n  sealing_keys:\n    - { id: a }\n"), "sessions.sealing_keys[0]",
               "needs secret_env or secret_file");
  expect_error(doc("sessions:\n  sealing_keys:\n    - { secret_file: " + file + " }\n"), "sessions.sealing_keys[0].id",
               "is required");
  expect_error(doc("sessions:\n  sealing_keys:\n    - { id: a, secret_file: " + key_file("short") + " }\n"),
               "sessions.sealing_keys[0]", "at least 32 bytes");
  expect_error(doc("sessions:\n  sealing_keys:\n    - { id: a, secret_file: " + file +
                   " }\n    - { id: a, secret_file: " + key_file("another-secret-of-32-bytes-or-more!") + " }\n"),
               "sessions.sealing_keys[1].id", "duplicate id");
  expect_error(doc("sessions:\n  sealing_keys:\n    - { id: a, secret_file: " + file +
                   " }\n    - { id: b, secret_file: " + file + " }\n"),
               "sessions.sealing_keys[1]", "the same secret");
  expect_error(doc("sessions:\n  sealing_keys: []\n"), "sessions.sealing_keys", "non-empty list");
  expect_error(doc("sessions:\n  sealing_keys:\n    - { id: a, secret_env: MCPGATE_TEST_NOT_SET_ANYWHERE }\n"),
               "sessions.sealing_keys[0].secret_env", "is not set");
  expect_error(doc("sessions:\n  max_age_seconds: 10\n"), "sessions.max_age_seconds", "between");
}

}  // namespace
}  // namespace mcpgate::config
