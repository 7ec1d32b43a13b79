#include "app/client_commands.hpp"

#include <boost/json.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "client/mcp_connection.hpp"
#include "client/stdio_proxy.hpp"
#include "client/token_store.hpp"
#include "core/json.hpp"
#include "oauth/http_fetcher.hpp"

namespace mcpgate::app {
namespace json = boost::json;

namespace {

struct ClientArgs {
  std::string url;
  std::string client_id;
  std::string client_secret_env = "MCPGATE_CLIENT_SECRET";
  std::string client_metadata_url;
  std::string browser;
  std::string scope;
  std::string protocol;
  std::string config_dir;
  std::string ca_file;
  int timeout_s = 60;
  int login_timeout_s = 300;
  bool json_output = false;
  // call
  std::string tool;
  std::string args = "{}";
};

const char* const kCommands[] = {"login", "logout", "tools", "call", "stdio-proxy"};

// Everything one command needs, built from its options.
struct Client {
  std::unique_ptr<oauth::BlockingHttpFetcher> fetcher;
  std::unique_ptr<client::TokenStore> store;
  std::unique_ptr<client::OAuthSession> auth;
  std::unique_ptr<client::McpConnection> connection;
};

[[nodiscard]] Result<Client> make_client(const ClientArgs& a) {
  if (a.url.empty()) return fail("an MCP endpoint URL is required");
  oauth::HttpFetchOptions fo;
  fo.timeout = std::chrono::seconds(a.timeout_s);
  fo.max_body_bytes = 16 * 1024 * 1024;
  fo.tls.ca_file = a.ca_file;
  Client c;
  c.fetcher = std::make_unique<oauth::BlockingHttpFetcher>(fo);
  if (!c.fetcher->tls_error().empty()) return fail("TLS: " + c.fetcher->tls_error());
  c.store = std::make_unique<client::TokenStore>(a.config_dir.empty() ? client::TokenStore::default_dir()
                                                                      : std::filesystem::path(a.config_dir));
  client::ClientOptions co;
  co.identity.client_id = a.client_id;
  // A secret on the command line would show in `ps`: it is read from the environment only.
  if (const char* s = std::getenv(a.client_secret_env.c_str()); s && *s) co.identity.client_secret = Secret(s);
  co.identity.client_metadata_url = a.client_metadata_url;
  co.browser = a.browser.empty() && std::getenv("MCPGATE_BROWSER") ? std::getenv("MCPGATE_BROWSER") : a.browser;
  co.scope = a.scope;
  co.login_timeout = std::chrono::seconds(a.login_timeout_s);
  co.notice = [](const std::string& text) { std::cerr << "mcpgate: " << text << "\n" << std::flush; };
  c.auth = std::make_unique<client::OAuthSession>(a.url, co, *c.fetcher, *c.store);
  client::ConnectionOptions conn;
  conn.protocol = a.protocol;
  c.connection = std::make_unique<client::McpConnection>(a.url, *c.auth, *c.fetcher, conn);
  return c;
}

void add_common(CLI::App* cmd, ClientArgs& a, bool url_required) {
  auto* url = cmd->add_option("url", a.url, "The MCP endpoint, e.g. https://mcp.example.com/mcp");
  if (url_required) url->required();
  cmd->add_option("--client-id", a.client_id, "A client id registered in advance at the authorization server");
  cmd->add_option("--client-secret-env", a.client_secret_env,
                  "Environment variable holding that client's secret (default MCPGATE_CLIENT_SECRET)");
  cmd->add_option("--client-metadata-url", a.client_metadata_url,
                  "https URL of this client's metadata document, used as client id where the server supports it");
  cmd->add_option("--browser", a.browser,
                  "Program that opens the sign-in URL (default: $MCPGATE_BROWSER, else xdg-open on a desktop)");
  cmd->add_option("--protocol", a.protocol, "Protocol revision (default: detect; e.g. 2026-07-28, 2025-11-25)");
  cmd->add_option("--config-dir", a.config_dir,
                  "Where credentials are kept (default $MCPGATE_CONFIG_DIR, else $XDG_CONFIG_HOME/mcpgate)");
  cmd->add_option("--ca-file", a.ca_file, "PEM file of the CAs to trust for https (default: the system's)");
  cmd->add_option("--timeout", a.timeout_s, "Seconds allowed per HTTP request (default 60)");
  cmd->add_option("--login-timeout", a.login_timeout_s, "Seconds to wait for the browser sign-in (default 300)");
}

int report(const Error& e) {
  std::cerr << "mcpgate: " << e.message << "\n";
  return 1;
}

// The server's own words from a result's text content, else the JSON.
void print_result(const json::value& result, bool as_json) {
  if (!as_json && result.is_object())
    if (auto* content = result.get_object().if_contains("content"); content && content->is_array()) {
      bool printed = false;
      for (auto& item : content->get_array()) {
        if (!item.is_object()) continue;
        auto* text = item.get_object().if_contains("text");
        if (text && text->is_string()) {
          std::cout << std::string_view(text->get_string()) << "\n";
          printed = true;
        }
      }
      if (printed) return;
    }
  std::cout << json::serialize(result) << "\n";
}

int do_login(ClientArgs& a) {
  auto c = make_client(a);
  if (!c) return report(c.error());
  // A request without a token, for the server's challenge (its scope and resource metadata).
  oauth::HttpFetchRequest probe;
  probe.method = "POST";
  probe.url = a.url;
  probe.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}};
  probe.body = R"({"jsonrpc":"2.0","id":0,"method":"ping"})";
  auto answer = c->fetcher->fetch(probe);
  if (!answer) return report(answer.error());
  if (answer->status != 401) {
    std::cerr << "mcpgate: " << a.url << " answered HTTP " << answer->status
              << " without a token: it does not ask for authorization\n";
    return answer->status / 100 == 2 || answer->status == 400 ? 0 : 1;
  }
  if (auto r = c->auth->login(answer->www_authenticate); !r) return report(r.error());
  // The new token, tried once on the server itself.
  if (auto info = c->connection->connect(); !info) return report(info.error());
  c->connection->close();
  auto& target = c->auth->target();
  std::cout << "Signed in to " << target->issuer << " for " << target->resource << "\n"
            << "Scopes granted: " << (c->auth->granted_scope().empty() ? "(none named)" : c->auth->granted_scope())
            << "\n"
            << "Credentials kept in " << c->store->file().string() << "\n";
  return 0;
}

// Every page of tools/list (bounded: a server that never stops giving a cursor is cut off).
[[nodiscard]] Result<json::array> list_tools(client::McpConnection& connection) {
  json::array tools;
  json::object params;
  for (int page = 0; page < 1000; ++page) {
    auto r = connection.request("tools/list", params);
    if (!r) return unexpected(r.error());
    if (!r->is_object()) return fail("tools/list: the result is not an object");
    if (auto* t = r->get_object().if_contains("tools"); t && t->is_array())
      for (auto& tool : t->get_array()) tools.push_back(tool);
    auto* next = r->get_object().if_contains("nextCursor");
    if (!next || !next->is_string() || next->get_string().empty()) break;
    params = json::object{{"cursor", next->get_string()}};
  }
  return tools;
}

int do_tools(ClientArgs& a) {
  auto c = make_client(a);
  if (!c) return report(c.error());
  if (auto info = c->connection->connect(); !info) return report(info.error());
  auto listed = list_tools(*c->connection);
  if (!listed) return report(listed.error());
  auto& tools = *listed;
  c->connection->close();
  if (a.json_output) {
    std::cout << json::serialize(tools) << "\n";
    return 0;
  }
  for (auto& tool : tools) {
    if (!tool.is_object()) continue;
    auto& o = tool.get_object();
    auto* name = o.if_contains("name");
    auto* desc = o.if_contains("description");
    std::cout << (name && name->is_string() ? std::string(name->get_string()) : std::string("?"));
    if (desc && desc->is_string()) std::cout << "\t" << std::string_view(desc->get_string());
    std::cout << "\n";
  }
  return 0;
}

int do_call(ClientArgs& a) {
  auto args = parse_json(a.args);
  if (!args || !args->is_object()) return report(Error{"--args must be a JSON object"});
  auto c = make_client(a);
  if (!c) return report(c.error());
  if (auto info = c->connection->connect(); !info) return report(info.error());
  // 2026-07-28 (SEP-2243): the tool's x-mcp-header annotations, from tools/list, decide which
  // arguments also travel as Mcp-Param-* headers, and a tool with invalid ones is not called.
  if (c->connection->era() == mcp::Era::modern)
    if (auto listed = list_tools(*c->connection); !listed) return report(listed.error());
  auto r = c->connection->request("tools/call", json::object{{"name", a.tool}, {"arguments", *args}});
  c->connection->close();
  if (!r) return report(r.error());
  print_result(*r, a.json_output);
  // A tool's own failure (isError) is still a failure for a script.
  if (r->is_object())
    if (auto* e = r->get_object().if_contains("isError"); e && e->is_bool() && e->get_bool()) return 1;
  return 0;
}

int do_logout(ClientArgs& a) {
  client::TokenStore store(a.config_dir.empty() ? client::TokenStore::default_dir()
                                                : std::filesystem::path(a.config_dir));
  auto n = store.forget(a.url);
  if (!n) return report(n.error());
  std::cout << "Forgot " << *n << (*n == 1 ? " token set" : " token sets") << (a.url.empty() ? "" : " for " + a.url)
            << "\n";
  return 0;
}

int do_stdio_proxy(ClientArgs& a) {
  auto c = make_client(a);
  if (!c) return report(c.error());
  return client::run_stdio_proxy(*c->connection, std::cin, std::cout);
}

}  // namespace

bool client_command_chosen(const CLI::App& app) {
  for (auto* name : kCommands)
    if (app.got_subcommand(name)) return true;
  return false;
}

void add_client_commands(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<ClientArgs>();
  auto* login = app.add_subcommand("login", "Sign in to a protected MCP server (OAuth, in the browser)");
  add_common(login, *a, true);
  login->add_option("--scope", a->scope, "Scopes to ask for (default: what the server asks for)");
  login->callback([a, &exit_code] { exit_code = do_login(*a); });

  auto* tools = app.add_subcommand("tools", "List an MCP server's tools (signing in when it asks)");
  add_common(tools, *a, true);
  tools->add_flag("--json", a->json_output, "Print the tools as JSON");
  tools->callback([a, &exit_code] { exit_code = do_tools(*a); });

  auto* call = app.add_subcommand("call", "Call a tool of an MCP server (signing in when it asks)");
  add_common(call, *a, true);
  call->add_option("tool", a->tool, "The tool's name")->required();
  call->add_option("--args", a->args, "The arguments as a JSON object (default {})");
  call->add_flag("--json", a->json_output, "Print the whole result as JSON");
  call->callback([a, &exit_code] { exit_code = do_call(*a); });

  auto* logout = app.add_subcommand("logout", "Forget the tokens kept for an MCP server (or for all)");
  logout->add_option("url", a->url, "The MCP endpoint (default: all)");
  logout->add_option("--config-dir", a->config_dir, "Where credentials are kept");
  logout->callback([a, &exit_code] { exit_code = do_logout(*a); });

  auto* proxy = app.add_subcommand("stdio-proxy",
                                   "Serve MCP on standard input/output, forwarding to a protected remote endpoint");
  add_common(proxy, *a, true);
  proxy->callback([a, &exit_code] { exit_code = do_stdio_proxy(*a); });
}

}  // namespace mcpgate::app
