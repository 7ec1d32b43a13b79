#pragma once
// The configuration tests' one way to assert a refusal: `yaml` (read as gw.yaml) is refused with
// "gw.yaml:<line>:<col>: <key>: …", naming `key`, and saying `reason` when one is given.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "config/gateway_config.hpp"

namespace mcpgate::config::test_support {

// `line` < 0: any line.
inline void expect_config_error(const std::string& yaml, int line, const std::string& key, const std::string& reason) {
  auto r = parse_gateway_config(yaml, "gw.yaml");
  ASSERT_FALSE(r) << "accepted:\n" << yaml;
  const auto& m = r.error().message;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(m, match, std::regex(R"(^gw\.yaml:(\d+):(\d+): ([^:]+): )"))) << m;
  if (line >= 0) {
    EXPECT_EQ(std::stoi(match[1]), line) << m;
  }
  EXPECT_EQ(match[3].str(), key) << m;
  if (!reason.empty()) {
    EXPECT_NE(m.find(reason), std::string::npos) << m;
  }
}

// At the given line.
inline void expect_error(const std::string& yaml, int line, const std::string& key, const std::string& reason = {}) {
  expect_config_error(yaml, line, key, reason);
}
// At any line.
inline void expect_error(const std::string& yaml, const std::string& key, const std::string& reason) {
  expect_config_error(yaml, -1, key, reason);
}

}  // namespace mcpgate::config::test_support
