// mcpgate: the command line. The only code that tests do not link.
#include <signal.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "app/admin_commands.hpp"
#include "app/audit_command.hpp"
#include "app/client_commands.hpp"
#include "app/demo.hpp"
#include "app/policy_commands.hpp"
#include "app/probe.hpp"
#include "config/gateway_config.hpp"
#include "core/log.hpp"
#include "gateway/gateway.hpp"
#include "oauth/token_minter.hpp"

using namespace mcpgate;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void apply_listen(config::Gateway& cfg, const std::pair<std::string, std::uint16_t>& l) {
  cfg.listen_host = l.first;
  cfg.listen_port = l.second;
  if (cfg.public_url_defaulted) {
    cfg.public_url = std::string(cfg.tls ? "https://" : "http://") +
                     (l.first.find(':') != std::string::npos ? "[" + l.first + "]" : l.first) + ":" +
                     std::to_string(l.second);
    config::finish_defaults(cfg);
  }
}

std::int64_t mtime_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// The operational log's settings: the command line's, when given, win over the configuration's.
struct LogFlags {
  std::string level, format;
};

void apply_log_settings(const config::Gateway* cfg, const LogFlags& flags) {
  auto level = cfg ? cfg->log_level : log::Level::info;
  auto format = cfg ? cfg->log_format : log::Format::text;
  if (auto l = log::parse_level(flags.level)) level = *l;
  if (auto f = log::parse_format(flags.format)) format = *f;
  log::configure(level, format);
}

int serve(const std::string& config_path, const std::string& listen, const LogFlags& log_flags = {}) {
  apply_log_settings(nullptr, log_flags);
  auto cfg = config::load_gateway_config(config_path);
  if (!cfg) {
    log::error("invalid configuration: " + cfg.error().message);
    return 2;
  }
  apply_log_settings(&*cfg, log_flags);
  std::optional<std::pair<std::string, std::uint16_t>> listen_override;
  if (!listen.empty()) {
    auto l = config::parse_listen(listen);
    if (!l) {
      log::error("--listen: " + l.error().message);
      return 2;
    }
    listen_override = *l;
    apply_listen(*cfg, *l);
  }
  for (auto& s : cfg->servers)
    if (s.auth.anonymous)
      log::warn("WARNING: endpoint " + s.path +
                    " serves WITHOUT authorization (auth.anonymous: true); for tests and local development only",
                {{"endpoint", s.path}});

  // Signals are taken by this thread alone: block them before the serving threads start.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  // A start-up error (an issuer the embedded authorization server refuses, a port in use) is a
  // message and exit status 1, not an abort.
  std::unique_ptr<gateway::Gateway> owned;
  try {
    owned = std::make_unique<gateway::Gateway>(std::move(*cfg));
    owned->start();
  } catch (const std::exception& e) {
    log::error(e.what());
    return 1;
  }
  auto& gw = *owned;
  log::info("listening on port " + std::to_string(gw.port()));

  // Reload on SIGHUP and when the file changes. A configuration that does not validate is
  // refused with its errors; the running one stays.
  std::mutex reload_mutex;
  auto reload = [&](const char* why) {
    std::lock_guard lock(reload_mutex);
    auto next = config::load_gateway_config(config_path);
    if (!next) {
      log::error(std::string("reload (") + why +
                 ") refused, keeping the running configuration: " + next.error().message);
      return;
    }
    if (listen_override) apply_listen(*next, *listen_override);
    apply_log_settings(&*next, log_flags);
    for (auto& note : gw.reload(*next)) log::warn("reload: " + note);
    log::info(std::string("reloaded authorization and policy (") + why + ")");
  };
  std::atomic<bool> stopping{false};
  std::thread watcher([&] {
    auto last = mtime_of(config_path);
    while (!stopping) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      auto now = mtime_of(config_path);
      if (now != last && now != 0) {
        last = now;
        reload("file changed");
      }
    }
  });
  int sig = 0;
  for (;;) {
    sigwait(&set, &sig);
    if (sig != SIGHUP) break;
    reload("SIGHUP");
    // The listener's certificate is read again too (a renewal is often signalled this way).
    if (auto r = gw.reload_tls(); !r)
      log::error("TLS certificate not reloaded (the previous one stays): " + r.error().message);
  }
  log::info("stopping (signal " + std::to_string(sig) + "): draining");
  stopping = true;
  watcher.join();
  // A second SIGTERM or SIGINT during the drain stops at once (an operator who means it).
  std::thread([set] {
    int again = 0;
    for (;;) {
      sigwait(&set, &again);
      if (again == SIGHUP) continue;
      log::warn("signal " + std::to_string(again) + " during the drain: exiting now");
      std::_Exit(128 + again);
    }
  }).detach();
  // Ctrl-C (SIGINT) is someone at a terminal, not a balancer: no delay before the listener closes.
  auto r = gw.drain(sig == SIGINT);
  log::info("drained in " + std::to_string(r.took.count()) + " ms: " + std::to_string(r.in_flight_at_signal) +
            " in flight at the signal; " + std::to_string(r.cut) +
            " still running at the grace deadline, answered with an error; " + std::to_string(r.unfinished) +
            " cut without an answer");
  gw.wait();
  return 0;
}

// TESTING TOOL: mints an access token signed with a local key (see docs/security.md).
int token_mint(const std::string& key_path, const std::string& alg_name, const std::string& kid,
               const std::string& claims_json, long lifetime, bool generate_jwks) {
  auto alg = oauth::parse_algorithm(alg_name);
  if (!alg) {
    std::cerr << "mcpgate token mint: unknown algorithm " << alg_name << "\n";
    return 2;
  }
  auto key = oauth::SigningKey::from_pem(read_file(key_path));
  if (!key) {
    std::cerr << "mcpgate token mint: " << key_path << ": " << key.error().message << "\n";
    return 2;
  }
  if (generate_jwks) {
    auto jwk = key->public_jwk(kid.empty() ? std::nullopt : std::optional<std::string>(kid), *alg);
    if (!jwk) {
      std::cerr << "mcpgate token mint: " << jwk.error().message << "\n";
      return 2;
    }
    boost::json::object set{{"keys", boost::json::array{*jwk}}};
    std::cout << boost::json::serialize(set) << "\n";
    return 0;
  }
  boost::json::error_code ec;
  auto claims = boost::json::parse(claims_json, ec);
  if (ec || !claims.is_object()) {
    std::cerr << "mcpgate token mint: --claims must be a JSON object\n";
    return 2;
  }
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto& c = claims.as_object();
  if (!c.contains("iat")) c["iat"] = now;
  if (!c.contains("exp")) c["exp"] = now + lifetime;
  oauth::MintRequest req;
  req.alg = *alg;
  if (!kid.empty()) req.kid = kid;
  req.claims = c;
  auto token = oauth::mint_token(*key, req);
  if (!token) {
    std::cerr << "mcpgate token mint: " << token.error().message << "\n";
    return 2;
  }
  std::cout << *token << "\n";
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
  LogFlags log_flags;
  serve_cmd->add_option("--log-level", log_flags.level, "error, warn, info or debug (overrides log.level)")
      ->check(CLI::IsMember({"error", "warn", "info", "debug"}));
  serve_cmd->add_option("--log-format", log_flags.format, "text or json (overrides log.format)")
      ->check(CLI::IsMember({"text", "json"}));
  auto* check_cmd = app.add_subcommand("check-config", "Validate a configuration file and exit");
  check_cmd->add_option("config", config_path, "Configuration file (YAML)")->required();
  bool probe = false;
  check_cmd->add_flag("--probe", probe,
                      "Also fetch every configured key source and reach every HTTP upstream once, and report");
  app.add_subcommand("version", "Print the version");

  auto* token_cmd = app.add_subcommand("token", "Testing tools for access tokens");
  token_cmd->require_subcommand(1);
  auto* mint_cmd =
      token_cmd->add_subcommand("mint", "TESTING TOOL: mint a signed access token from a local private key");
  std::string key_path, alg = "ES256", kid, claims = "{}";
  long lifetime = 300;
  bool jwks = false;
  mint_cmd->add_option("--key", key_path, "PEM private key (RSA, EC or Ed25519)")->required();
  mint_cmd->add_option("--alg", alg, "JWS algorithm (ES256, RS256, PS256, EdDSA, …)");
  mint_cmd->add_option("--kid", kid, "Key id for the header");
  mint_cmd->add_option("--claims", claims, "Claims as a JSON object (iss, sub, aud, scope, client_id, …)");
  mint_cmd->add_option("--lifetime", lifetime, "Seconds until exp when --claims has none");
  mint_cmd->add_flag("--jwks", jwks, "Print the key's public JWKS instead of a token");

  int policy_exit = 0;
  add_policy_commands(app, policy_exit);
  int admin_exit = 0;
  mcpgate::app::add_admin_commands(app, admin_exit);
  int client_exit = 0;
  mcpgate::app::add_client_commands(app, client_exit);
  int audit_exit = 0;
  mcpgate::app::add_audit_command(app, audit_exit);

  mcpgate::app::DemoOptions demo;
  auto* demo_cmd = app.add_subcommand(
      "demo", "Serve the example CRM behind the gateway with the embedded authorization server and demo users");
  demo_cmd->add_option("--listen", demo.listen, "HOST:PORT (default 127.0.0.1:8080)");
  demo_cmd->add_option("--data-dir", demo.data_dir, "Where the demo keeps its configuration, users and keys");
  demo_cmd->add_option("--crm-server", demo.crm_server, "Path of the example CRM server");
  demo_cmd->add_option("--crm-api", demo.crm_api, "Path of the example CRM API");

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
    if (probe && mcpgate::app::probe_targets(*cfg, std::cout) > 0) return 1;
    return 0;
  }
  if (app.got_subcommand("token")) return token_mint(key_path, alg, kid, claims, lifetime, jwks);
  if (app.got_subcommand("policy")) return policy_exit;
  if (mcpgate::app::client_command_chosen(app)) return client_exit;
  if (app.got_subcommand("audit")) return audit_exit;
  if (app.got_subcommand("users") || app.got_subcommand("clients") || app.got_subcommand("keys")) return admin_exit;
  if (app.got_subcommand("demo")) {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    return mcpgate::app::run_demo(demo, ec ? std::string(argv[0]) : self.string(),
                                  [](const std::string& config) { return serve(config, ""); });
  }
  return serve(config_path, listen, log_flags);
}
