#pragma once
// `mcpgate demo`: the whole story on one machine with nothing else installed — the embedded
// authorization server with demo users, and the example CRM behind the gateway with a scope map.
#include <string>

namespace mcpgate::app {

struct DemoOptions {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = ".mcpgate-demo";
  std::string crm_server;  // default: examples/crm/crm_server beside this executable
};

// Writes the demo configuration into the data directory, seeds the users, and returns the path
// of the configuration to serve. Prints what to try.
int prepare_demo(const DemoOptions& options, const std::string& self_path, std::string& config_path);

}  // namespace mcpgate::app
