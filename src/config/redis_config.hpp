#pragma once
// `redis:` of the gateway configuration (config::Redis).
#include "config/gateway_config.hpp"
#include "config/yaml_reader.hpp"

namespace mcpgate::config {

Redis read_redis(const YamlReader& r, const YAML::Node& n);

}  // namespace mcpgate::config
