#pragma once
// `authorization_server.upstream_idp` (or one entry of `upstream_idps`): an OpenID Connect
// provider the embedded authorization server signs people in at (docs/configuration.md).
#include "config/gateway_config.hpp"
#include "config/yaml_reader.hpp"

namespace mcpgate::config {

AuthorizationServer::UpstreamIdp read_upstream_idp(const YamlReader& r, const YAML::Node& n, const std::string& key);

}  // namespace mcpgate::config
