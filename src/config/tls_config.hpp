#pragma once
// `tls:` of the listener, and of each outbound connection (upstreams, issuers, introspection,
// token endpoints) in the gateway configuration.
#include "config/gateway_config.hpp"
#include "config/yaml_reader.hpp"

namespace mcpgate::config {

net::TlsClientOptions read_tls_client(const YamlReader& r, const YAML::Node& n, const std::string& key);
net::TlsServerOptions read_tls_server(const YamlReader& r, const YAML::Node& n, const std::string& key);

}  // namespace mcpgate::config
