#pragma once
// URLs the gateway fetches keys, metadata or token answers from, as the configuration names them.
#include "config/yaml_reader.hpp"

namespace mcpgate::config {

// A URL the gateway fetches keys or token answers from: https, or plain http to this machine
// only (a key set fetched in clear over the network can be replaced by anyone on the path).
// Loopback comes from the parsed address: "http://127.evil.example" is a name on the network.
void check_fetched_url(const YamlReader& r, const YAML::Node& n, const std::string& key, const std::string& url);

}  // namespace mcpgate::config
