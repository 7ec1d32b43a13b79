#include "app/audit_command.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "audit/json_renderer.hpp"
#include "audit/list_runner.hpp"
#include "audit/probe.hpp"
#include "audit/table_renderer.hpp"
#include "oauth/http_fetcher.hpp"

namespace mcpgate::app {

namespace {

struct AuditArgs {
  std::string url;
  std::string list;
  std::string token;
  std::string token_env;
  std::string ca_file;
  bool json_output = false;
  unsigned concurrency = audit::kDefaultConcurrency;
  unsigned budget = audit::kDefaultRequestBudget;
  int timeout_s = 5;
};

int usage(const std::string& message) {
  std::cerr << "mcpgate audit: " << message << "\n";
  return audit::kExitUnreachable;
}

int run_audit(const AuditArgs& a) {
  if (a.url.empty() == a.list.empty()) return usage("give one endpoint URL or --list FILE");
  if (a.timeout_s < 1 || a.timeout_s > 120) return usage("--timeout must be 1..120 seconds");
  if (a.budget < 8 || a.budget > 200) return usage("--max-requests must be 8..200");
  std::vector<std::string> urls;
  if (!a.list.empty()) {
    std::ifstream in(a.list);
    if (!in) return usage("cannot read " + a.list);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = audit::parse_url_list(text.str());
    if (!parsed) return usage(a.list + ": " + parsed.error().message);
    urls = std::move(*parsed);
    if (urls.empty()) return usage(a.list + ": no URLs");
  } else {
    urls.push_back(a.url);
  }
  audit::AuditOptions options;
  options.request_budget = a.budget;
  if (!a.token.empty()) options.token = Secret(a.token);
  // --token-env keeps the token out of `ps` and shell history.
  if (!a.token_env.empty()) {
    const char* t = std::getenv(a.token_env.c_str());
    if (!t || !*t) return usage("$" + a.token_env + " is empty");
    options.token = Secret(t);
  }
  oauth::HttpFetchOptions fo;
  fo.timeout = std::chrono::seconds(a.timeout_s);
  fo.max_body_bytes = 512 * 1024;
  // The audit reports plain http (transport.tls) rather than refusing to look at it.
  fo.allow_insecure_http = true;
  fo.tls.ca_file = a.ca_file;
  if (oauth::BlockingHttpFetcher probe(fo); !probe.tls_error().empty()) return usage("TLS: " + probe.tls_error());
  auto reports = audit::audit_all(
      urls, [&] { return std::make_unique<oauth::BlockingHttpFetcher>(fo); }, options, a.concurrency);
  if (a.json_output) {
    std::cout << boost::json::serialize(audit::to_json(reports)) << "\n";
  } else {
    bool colour = ::isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
    if (urls.size() == 1 && a.list.empty())
      audit::render_table(std::cout, reports.front(), colour);
    else
      audit::render_tables(std::cout, reports, colour);
  }
  return audit::exit_code(reports);
}

}  // namespace

void add_audit_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<AuditArgs>();
  auto* cmd = app.add_subcommand(
      "audit", "Probe an MCP endpoint's authorization from outside (non-destructive) and report each check");
  cmd->add_option("url", a->url, "The MCP endpoint, e.g. https://mcp.example.com/mcp");
  cmd->add_option("--list", a->list, "A file of endpoint URLs, one per line (# comments), audited concurrently");
  cmd->add_option("--token", a->token, "Your own access token for the endpoint (enables the operator.* checks)");
  cmd->add_option("--token-env", a->token_env, "Environment variable holding that token (keeps it out of ps)");
  cmd->add_flag("--json", a->json_output, "Print the report as JSON (docs/audit.schema.json)");
  cmd->add_option("--concurrency", a->concurrency, "Endpoints audited at once with --list (default 8, at most 64)");
  cmd->add_option("--max-requests", a->budget, "Requests allowed per endpoint (default 32)");
  cmd->add_option("--timeout", a->timeout_s, "Seconds allowed per request (default 5)");
  cmd->add_option("--ca-file", a->ca_file, "PEM file of the CAs to trust for https (default: the system's)");
  cmd->callback([a, &exit_code] { exit_code = run_audit(*a); });
}

}  // namespace mcpgate::app
