#pragma once
// `servers[].policy:` of the gateway configuration: default, scope hierarchy, rules.
#include "config/gateway_config.hpp"
#include "config/yaml_reader.hpp"

namespace mcpgate::config {

policy::Policy read_policy(const YamlReader& reader, const YAML::Node& n, const std::string& key);

}  // namespace mcpgate::config
