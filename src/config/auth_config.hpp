#pragma once
// `servers[].auth:` of the gateway configuration: issuers, introspection, the token cache.
#include "config/gateway_config.hpp"
#include "config/yaml_reader.hpp"

namespace mcpgate::config {

Auth read_auth(const YamlReader& r, const YAML::Node& a, const std::string& key);

}  // namespace mcpgate::config
