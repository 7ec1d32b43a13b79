#pragma once
// `credentials:` of an upstream in the gateway configuration (docs/configuration.md, "Credentials").
#include <functional>

#include "config/gateway_config.hpp"
#include "config/yaml_reader.hpp"

namespace mcpgate::config {

struct CredentialChecks {
  // Refuses a URL the gateway may not send secrets to (plain http off loopback, userinfo…).
  std::function<void(const YAML::Node&, const std::string& key, const std::string& url)> fetched_url;
  std::function<net::TlsClientOptions(const YAML::Node&, const std::string& key)> tls_client;
  // Empty when the PEM key can sign with the JWS algorithm; else why not.
  std::function<std::string(const std::string& pem, const std::string& alg)> signing_key;
};

// Secrets come from the environment or a file, never from the configuration text itself, which is
// shown, copied and committed. A missing variable or unreadable file is a start-up error.
Credentials read_credentials(const YamlReader& r, const YAML::Node& n, const std::string& key,
                             const CredentialChecks& checks);

}  // namespace mcpgate::config
