// mcpgate: the command line. The only code that tests do not link.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "config/gateway_config.hpp"
#include "gateway/gateway.hpp"

using namespace mcpgate;

namespace {

int serve(const std::string& config_path, const std::string& listen) {
  auto cfg = config::load_gateway_config(config_path);
  if (!cfg) {
    std::cerr << "mcpgate: invalid configuration: " << cfg.error().message << "\n";
    return 2;
  }
  if (!listen.empty()) {
    auto l = config::parse_listen(listen);
    if (!l) {
      std::cerr << "mcpgate: --listen: " << l.error().message << "\n";
      return 2;
    }
    cfg->listen_host = l->first;
    cfg->listen_port = l->second;
    if (cfg->public_url.starts_with("http://127.0.0.1") || cfg->public_url.starts_with("http://localhost"))
      cfg->public_url = "http://" + (l->first.find(':') != std::string::npos ? "[" + l->first + "]" : l->first) + ":" +
                        std::to_string(l->second);
  }
  for (auto& s : cfg->servers)
    if (s.auth.anonymous)
      std::cerr << "mcpgate: WARNING: endpoint " << s.path
                << " serves WITHOUT authorization (auth.anonymous: true); for tests and local development only\n";

  // Signals are taken by this thread alone: block them before the serving threads start.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  gateway::Gateway gw(std::move(*cfg));
  try {
    gw.start();
  } catch (const std::exception& e) {
    std::cerr << "mcpgate: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "mcpgate: listening on port " << gw.port() << "\n";
  std::fflush(stderr);
  int sig = 0;
  sigwait(&set, &sig);
  std::cerr << "mcpgate: stopping (signal " << sig << ")\n";
  gw.stop();
  gw.wait();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mcpgate: an authorization gateway for the Model Context Protocol"};
  app.require_subcommand(1);
  std::string config_path, listen;
  auto* serve_cmd = app.add_subcommand("serve", "Run the gateway");
  serve_cmd->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();
  serve_cmd->add_option("--listen", listen, "HOST:PORT to listen on (overrides the configuration)");
  auto* check_cmd = app.add_subcommand("check-config", "Validate a configuration file and exit");
  check_cmd->add_option("config", config_path, "Configuration file (YAML)")->required();
  app.add_subcommand("version", "Print the version");
  CLI11_PARSE(app, argc, argv);
  if (app.got_subcommand("version")) {
    std::cout << "mcpgate 0.1.0\n";
    return 0;
  }
  if (app.got_subcommand("check-config")) {
    auto cfg = config::load_gateway_config(config_path);
    if (!cfg) {
      std::cerr << cfg.error().message << "\n";
      return 2;
    }
    std::cout << config_path << ": ok\n";
    return 0;
  }
  return serve(config_path, listen);
}
