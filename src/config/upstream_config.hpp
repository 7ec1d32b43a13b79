#pragma once
// `servers[].upstreams[]:` of the gateway configuration: stdio or http, admission, credentials.
#include "config/gateway_config.hpp"
#include "config/yaml_reader.hpp"

namespace mcpgate::config {

Upstream read_upstream(const YamlReader& r, const YAML::Node& n, const std::string& key);

}  // namespace mcpgate::config
