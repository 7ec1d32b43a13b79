#pragma once
// `sessions:` of the gateway configuration: the keys that seal legacy session ids, and how long an
// id lives.
#include "config/gateway_config.hpp"
#include "config/yaml_reader.hpp"

namespace mcpgate::config {

Sessions read_sessions(const YamlReader& r, const YAML::Node& n);

}  // namespace mcpgate::config
