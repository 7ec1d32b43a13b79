#pragma once
// `redis:` of the gateway configuration (config::Redis).
#include "config/gateway_config.hpp"
#include "config/yaml_reader.hpp"
#include "redis/connection.hpp"

namespace mcpgate::config {

Redis read_redis(const YamlReader& r, const YAML::Node& n);

// What the Redis client needs from the section (the URL was checked when it was read).
redis::ConnectOptions connect_options(const Redis& r);

}  // namespace mcpgate::config
