#pragma once
// `authorization_server:` of the gateway configuration (the embedded one, src/authserver).
#include "config/gateway_config.hpp"
#include "config/yaml_reader.hpp"

namespace mcpgate::config {

AuthorizationServer read_authorization_server(const YamlReader& r, const YAML::Node& n);

}  // namespace mcpgate::config
