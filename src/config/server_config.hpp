#pragma once
// `servers[]:` of the gateway configuration: one MCP endpoint, its upstreams, auth and policy.
#include "config/gateway_config.hpp"
#include "config/yaml_reader.hpp"

namespace mcpgate::config {

Endpoint read_server(const YamlReader& r, const YAML::Node& n, const std::string& key);

}  // namespace mcpgate::config
