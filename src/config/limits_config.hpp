#pragma once
// `limits:` of the gateway configuration, `limits.per_principal:` among them.
#include "config/gateway_config.hpp"
#include "config/yaml_reader.hpp"

namespace mcpgate::config {

void read_limits(const YamlReader& r, const YAML::Node& n, Limits& out);
void read_per_principal(const YamlReader& r, const YAML::Node& n, const std::string& key, PrincipalLimits& out);

}  // namespace mcpgate::config
