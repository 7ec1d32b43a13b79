#include "app/demo.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/supervised_child.hpp"
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
  const char* role;
  const char* scope;  // what the user may be granted
};
// Demo credentials, printed at start-up: this configuration is for trying mcpgate on loopback.
constexpr DemoUser kUsers[] = {{"alice", "alice-demo-password", "editor", "mcp:read mcp:write"},
                               {"bob", "bob-demo-password", "reader", "mcp:read"}};

// The example's binaries are built beside mcpgate (build/release/examples/crm/).
std::string beside(const std::string& self_path, const std::string& given, const char* name) {
  if (!given.empty()) return given;
  return (fs::path(self_path).parent_path() / "examples/crm" / name).string();
}

// How to type this executable from here: relative when it is below the working directory.
std::string command_name(const std::string& self_path) {
  std::error_code ec;
  auto rel = fs::relative(self_path, fs::current_path(), ec);
  if (ec || rel.empty() || *rel.begin() == "..") return self_path;
  return rel.string();
}

bool write_config(const std::string& path, const DemoOptions& options, const fs::path& data, const std::string& storage,
                  const std::string& crm, const std::string& api_url) {
  std::ofstream out(path);
  out << "# Written by `mcpgate demo`: the example CRM behind mcpgate, with the embedded authorization\n"
      << "# server. Read tools need mcp:read, write tools mcp:write; bulk export is denied to everyone.\n"
      << "# The CRM MCP server reaches the CRM API (" << api_url << ") with a token exchanged for it\n"
      << "# (RFC 8693): audience the API, scopes mapped from the user's (mcp:read -> crm:read,\n"
      << "# mcp:write -> crm:read crm:write), act = the gateway. The user's own token never leaves the gateway.\n"
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
      << "        stdio:\n"
      << "          command: [\"" << crm << "\", \"--stdio\", \"--api\", \"" << api_url << "\"]\n"
      << "          mode: per_principal         # one CRM server per user, holding that user's API token\n"
      << "        credentials:\n"
      << "          mode: token_exchange\n"
      << "          env: CRM_API_TOKEN\n"
      << "          resource: " << api_url << "\n"
      << "          scopes: { \"mcp:read\": [crm:read], \"mcp:write\": [crm:read, crm:write] }\n";
  out.close();
  return bool(out);
}

bool seed_users(const std::string& storage) {
  auto store = authserver::open_store(storage);
  if (!store) {
    std::cerr << "mcpgate demo: " << store.error().message << "\n";
    return false;
  }
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (auto& u : kUsers) {
    auto existing = (*store)->get_user(u.name);
    if (existing && *existing) {
      // A data directory from an earlier demo: the roles are the demo's, whatever they were.
      if ((*existing)->scope == u.scope) continue;
      auto rec = **existing;
      rec.scope = u.scope;
      if ((*store)->put_user(rec)) continue;
    } else {
      auto hash = authserver::hash_password(Secret(u.password), system_random());
      if (hash && (*store)->put_user({u.name, *hash, now, u.scope})) continue;
    }
    std::cerr << "mcpgate demo: cannot create user " << u.name << "\n";
    return false;
  }
  return true;
}

void print_banner(const std::string& base, const std::string& api_url, const fs::path& data, const std::string& self) {
  std::string mcp = base + "/mcp";
  std::string cmd = command_name(self);
  std::cout << "\nmcpgate demo\n"
            << "  MCP endpoint:          " << mcp << "   (the example CRM, protected)\n"
            << "  Authorization server:  " << base << "   (metadata: " << base
            << "/.well-known/oauth-authorization-server)\n"
            << "  CRM API:               " << api_url << "   (accepts only tokens minted for it)\n"
            << "  Users:                 ";
  bool first = true;
  for (auto& u : kUsers) {
    if (!first) std::cout << "\n                         ";
    first = false;
    std::cout << u.name << " / " << u.password << "   (" << u.role << ": " << u.scope << ")";
  }
  std::cout << "\n  Data:                  " << data.string() << " (configuration, users, keys, audit log)\n"
            << "  CRM API log:           " << (data / "crm-api.jsonl").string()
            << "\n                         (one line per request: audience, scopes, subject and actor of its token)\n\n"
            << "Try it with mcpgate's MCP client (sign in as bob, the reader, first):\n"
            << "  " << cmd << " login " << mcp << "\n"
            << "  " << cmd << " tools " << mcp << "\n"
            << "  " << cmd << " call " << mcp << " get_customer --args '{\"id\":\"1\"}'\n"
            << "  " << cmd << " call " << mcp
            << " update_customer --args '{\"id\":\"1\",\"notes\":\"Called on Monday.\"}'\n"
            << "bob's update is refused (403 insufficient_scope); his step-up sign-in says that mcp:write is not\n"
            << "available to a reader and grants mcp:read only. Log out, log in as alice (the editor), and the\n"
            << "update goes through:\n"
            << "  " << cmd << " logout " << mcp << "\n"
            << "  " << cmd << " login " << mcp << "\n"
            << "In the CRM API's log every token names the API as audience and the gateway as actor (act), with\n"
            << "crm:read or crm:write mapped from the user's scopes.\n\n"
            << "Or with the TypeScript SDK's client (signs in as alice, steps up to mcp:write):\n"
            << "  node examples/crm/demo_client.mjs " << mcp << "\n\n";
}

}  // namespace

int run_demo(const DemoOptions& options, const std::string& self_path,
             const std::function<int(const std::string& config_path)>& serve) {
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
  auto crm = beside(self_path, options.crm_server, "crm_server");
  auto crm_api = beside(self_path, options.crm_api, "crm_api");
  for (auto& [path, target] : {std::pair{crm, "crm_server"}, std::pair{crm_api, "crm_api"}})
    if (!fs::exists(path)) {
      std::cerr << "mcpgate demo: the example " << target << " is not built (" << path
                << "); build it with: cmake --build --preset release --target crm_server crm_api\n";
      return 1;
    }
  std::string host = listen->first.find(':') != std::string::npos ? "[" + listen->first + "]" : listen->first;
  std::string base = "http://" + host + ":" + std::to_string(listen->second);
  std::string storage = "sqlite:" + (data / "as.db").string();

  // Signals go to serve()'s sigwait: the thread supervising the CRM API must not take them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  // The CRM API on a port of its own choosing (it says which); its tokens come from our issuer.
  auto api_args = [&](const std::string& listen_at) {
    return std::vector<std::string>{crm_api,
                                    "--listen",
                                    listen_at,
                                    "--issuer",
                                    base,
                                    "--db",
                                    (data / "crm.db").string(),
                                    "--log",
                                    (data / "crm-api.jsonl").string()};
  };
  auto api = SupervisedChild::start(api_args("127.0.0.1:0"), std::chrono::seconds(10));
  if (!api) {
    std::cerr << "mcpgate demo: " << api.error().message << "\n";
    return 1;
  }
  const std::string prefix = "crm_api listening on ";
  auto line = (*api)->first_line();
  if (line.rfind(prefix, 0) != 0) {
    std::cerr << "mcpgate demo: unexpected first line from crm_api: " << line << "\n";
    return 1;
  }
  std::string api_url = line.substr(prefix.size());
  auto api_authority = api_url.substr(7, api_url.find('/', 7) - 7);  // "http://" HOST:PORT "/api"
  (*api)->supervise(api_args(api_authority));

  std::string config_path = (data / "gateway.yaml").string();
  if (!write_config(config_path, options, data, storage, crm, api_url)) {
    std::cerr << "mcpgate demo: cannot write " << config_path << "\n";
    return 1;
  }
  auto cfg = config::load_gateway_config(config_path);
  if (!cfg) {
    std::cerr << "mcpgate demo: " << cfg.error().message << "\n";
    return 1;
  }
  if (!seed_users(storage)) return 1;
  print_banner(base, api_url, data, self_path);
  std::cout.flush();
  int rc = serve(config_path);
  (*api)->stop();
  return rc;
}

}  // namespace mcpgate::app
