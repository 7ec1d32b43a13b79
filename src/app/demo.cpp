#include "app/demo.hpp"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "authserver/password.hpp"
#include "authserver/store.hpp"
#include "config/gateway_config.hpp"
#include "core/random.hpp"
#include "core/secret.hpp"

namespace mcpgate::app {
namespace fs = std::filesystem;

namespace {

struct DemoUser {
  const char* name;
  const char* password;
};
// Demo credentials, printed at start-up: this configuration is for trying mcpgate on loopback.
constexpr DemoUser kUsers[] = {{"alice", "alice-demo-password"}, {"bob", "bob-demo-password"}};

}  // namespace

int prepare_demo(const DemoOptions& options, const std::string& self_path, std::string& config_path) {
  auto listen = config::parse_listen(options.listen);
  if (!listen) {
    std::cerr << "mcpgate demo: --listen: " << listen.error().message << "\n";
    return 2;
  }
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec) {
    std::cerr << "mcpgate demo: cannot create " << options.data_dir << ": " << ec.message() << "\n";
    return 1;
  }
  ::chmod(options.data_dir.c_str(), 0700);
  auto data = fs::absolute(options.data_dir);
  std::string crm = options.crm_server;
  if (crm.empty()) crm = (fs::path(self_path).parent_path() / "examples/crm/crm_server").string();
  if (!fs::exists(crm)) {
    std::cerr << "mcpgate demo: the example CRM server is not built (" << crm
              << "); build it with: cmake --build --preset release --target crm_server\n";
    return 1;
  }
  std::string host = listen->first.find(':') != std::string::npos ? "[" + listen->first + "]" : listen->first;
  std::string base = "http://" + host + ":" + std::to_string(listen->second);
  std::string storage = "sqlite:" + (data / "as.db").string();
  config_path = (data / "gateway.yaml").string();
  std::ofstream out(config_path);
  out << "# Written by `mcpgate demo`: the example CRM behind mcpgate, with the embedded authorization\n"
      << "# server. Read tools need mcp:read, write tools mcp:write; bulk export is denied to everyone.\n"
      << "listen: " << options.listen << "\n"
      << "audit_log: " << (data / "audit.jsonl").string() << "\n"
      << "authorization_server:\n"
      << "  storage: " << storage << "\n"
      << "  # Development only: lets MCP clients on this machine register a metadata document URL\n"
      << "  # served over plain http on loopback.\n"
      << "  cimd_allow_private_addresses: true\n"
      << "servers:\n"
      << "  - name: crm\n"
      << "    path: /mcp\n"
      << "    auth:\n"
      << "      resource_name: Example CRM\n"
      << "      scopes_supported: [mcp:read, mcp:write]\n"
      << "      required_scopes: [mcp:read]\n"
      << "    policy:\n"
      << "      scope_hierarchy: { \"mcp:write\": [mcp:read] }\n"
      << "      rules:\n"
      << "        - { id: no-bulk-export, effect: deny, tools: [\"export_*\"] }\n"
      << "        - { id: read-tools, tools: [\"get_*\", \"search_*\"], scopes: [mcp:read] }\n"
      << "        - { id: write-tools, tools: [\"update_*\", \"delete_*\"], scopes: [mcp:write] }\n"
      << "        - { id: customer-records, resources: [\"crm://customers/{id}\"], scopes: [mcp:read] }\n"
      << "        - { id: prompts, prompts: [\"*\"], scopes: [mcp:read] }\n"
      << "    upstreams:\n"
      << "      - name: crm\n"
      << "        stdio: { command: [\"" << crm << "\", \"--stdio\"] }\n";
  out.close();
  if (!out) {
    std::cerr << "mcpgate demo: cannot write " << config_path << "\n";
    return 1;
  }
  auto cfg = config::load_gateway_config(config_path);
  if (!cfg) {
    std::cerr << "mcpgate demo: " << cfg.error().message << "\n";
    return 1;
  }

  auto store = authserver::open_store(storage);
  if (!store) {
    std::cerr << "mcpgate demo: " << store.error().message << "\n";
    return 1;
  }
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (auto& u : kUsers) {
    auto existing = (*store)->get_user(u.name);
    if (existing && *existing) continue;
    auto hash = authserver::hash_password(Secret(u.password), system_random());
    if (!hash || !(*store)->put_user({u.name, *hash, now})) {
      std::cerr << "mcpgate demo: cannot create user " << u.name << "\n";
      return 1;
    }
  }

  std::cout << "\nmcpgate demo\n"
            << "  MCP endpoint:          " << base << "/mcp   (the example CRM, protected)\n"
            << "  Authorization server:  " << base << "   (metadata: " << base
            << "/.well-known/oauth-authorization-server)\n"
            << "  Users:                 ";
  for (auto& u : kUsers) std::cout << u.name << " / " << u.password << "   ";
  std::cout << "\n  Data:                  " << data.string() << " (configuration, users, keys, audit log)\n\n"
            << "Try it with an MCP client that does OAuth, e.g. this repository's example client:\n"
            << "  node examples/crm/demo_client.mjs " << base << "/mcp\n"
            << "It registers itself, prints a URL to open in a browser (sign in as alice, approve),\n"
            << "then lists tools, reads a customer and asks for mcp:write when it tries an update.\n\n";
  return 0;
}

}  // namespace mcpgate::app
