#pragma once
// `mcpgate demo`: the whole story on one machine with nothing else installed — the embedded
// authorization server with two demo users (an editor and a reader), the example CRM MCP server
// behind the gateway with a scope map, and the CRM's own API, which the CRM MCP server calls with
// a token the gateway exchanged for it (never the user's token).
#include <functional>
#include <string>

namespace mcpgate::app {

struct DemoOptions {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = ".mcpgate-demo";
  std::string crm_server;  // default: examples/crm/crm_server beside this executable
  std::string crm_api;     // default: examples/crm/crm_api beside this executable
};

// Starts the CRM API (a child it supervises), writes the demo configuration into the data
// directory, seeds the users, prints what to try, then runs `serve` on the configuration and
// stops the CRM API when it returns. Returns the exit status.
int run_demo(const DemoOptions& options, const std::string& self_path,
             const std::function<int(const std::string& config_path)>& serve);

}  // namespace mcpgate::app
