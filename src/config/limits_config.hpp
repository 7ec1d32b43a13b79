#pragma once
// `limits.per_principal:` of the gateway configuration.
#include "config/gateway_config.hpp"
#include "config/yaml_reader.hpp"

namespace mcpgate::config {

void read_per_principal(const YamlReader& r, const YAML::Node& n, const std::string& key, PrincipalLimits& out);

}  // namespace mcpgate::config
