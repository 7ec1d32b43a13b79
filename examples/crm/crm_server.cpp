// crm_server --stdio | --http HOST:PORT   [--api URL [--token-env NAME]]
// The example of the MCP authorization story: a small CRM whose read tools should need mcp:read
// and whose write tools mcp:write. It does no authorization itself: mcpgate in front does.
//
// Its customers live in its own memory, or, with --api, behind the CRM API (crm_api), which it
// calls with the bearer token in the environment variable NAME (default CRM_API_TOKEN): the
// token the gateway exchanged for the API on behalf of the user (credentials.env of a
// per_principal stdio upstream). The API, not this server, then decides what the token may do.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "crm_api_client.hpp"
#include "customer_source.hpp"
#include "mcpgate/server.hpp"

namespace {
using namespace mcpgate;
namespace json = boost::json;

struct Customer {
  std::string name, email, tier, notes;
};

class InMemoryCustomers final : public crm::CustomerSource {
 public:
  InMemoryCustomers() {
    customers_["1"] = {"Ada Lovelace", "ada@example.com", "gold", "Prefers email."};
    customers_["2"] = {"Alan Turing", "alan@example.com", "silver", ""};
    customers_["3"] = {"Grace Hopper", "grace@example.com", "gold", "Renewal due in March."};
  }
  Result<std::optional<json::object>> get(const std::string& id) override {
    std::lock_guard lock(mutex_);
    auto it = customers_.find(id);
    if (it == customers_.end()) return std::optional<json::object>();
    return std::optional<json::object>(to_json(it->first, it->second));
  }
  Result<json::array> search(const std::string& q) override {
    std::lock_guard lock(mutex_);
    json::array out;
    for (auto& [id, c] : customers_)
      if (q.empty() || c.name.find(q) != std::string::npos || c.email.find(q) != std::string::npos)
        out.push_back(to_json(id, c));
    return out;
  }
  Result<bool> update(const std::string& id, const json::object& fields) override {
    std::lock_guard lock(mutex_);
    auto it = customers_.find(id);
    if (it == customers_.end()) return false;
    auto set = [&](const char* k, std::string& v) {
      if (auto* f = fields.if_contains(k); f && f->is_string()) v = f->get_string();
    };
    set("name", it->second.name);
    set("email", it->second.email);
    set("tier", it->second.tier);
    set("notes", it->second.notes);
    return true;
  }
  Result<bool> remove(const std::string& id) override {
    std::lock_guard lock(mutex_);
    return customers_.erase(id) > 0;
  }

 private:
  static json::object to_json(const std::string& id, const Customer& c) {
    return {{"id", id}, {"name", c.name}, {"email", c.email}, {"tier", c.tier}, {"notes", c.notes}};
  }
  std::mutex mutex_;
  std::map<std::string, Customer> customers_;
};

std::string arg(const json::object& a, const char* key) {
  auto* v = a.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

json::object schema(std::initializer_list<std::pair<const char*, const char*>> props,
                    std::vector<std::string> required) {
  json::object p;
  for (auto& [name, type] : props) p[name] = json::object{{"type", type}};
  json::array req;
  for (auto& r : required) req.emplace_back(r);
  return {{"type", "object"}, {"properties", std::move(p)}, {"required", std::move(req)}};
}

void register_crm(McpServer& server, crm::CustomerSource& crm) {
  Tool get{"get_customer", "Get customer", "Look up one customer by id.", schema({{"id", "string"}}, {"id"})};
  get.annotations.read_only_hint = true;
  get.required_scopes = {"mcp:read"};
  get.handler = sync_handler([&crm](const json::object& a, RequestContext&) -> Reply {
    auto c = crm.get(arg(a, "id"));
    if (!c) return tool_text_result(c.error().message, true);
    if (!*c) return tool_text_result("No customer with id " + arg(a, "id"), true);
    return tool_text_result(json::serialize(**c));
  });
  server.add_tool(get);

  Tool search{"search_customers", "Search customers", "Find customers whose name or email contains the query.",
              schema({{"query", "string"}}, {})};
  search.annotations.read_only_hint = true;
  search.required_scopes = {"mcp:read"};
  search.handler = sync_handler([&crm](const json::object& a, RequestContext&) -> Reply {
    auto found = crm.search(arg(a, "query"));
    if (!found) return tool_text_result(found.error().message, true);
    return tool_text_result(json::serialize(*found));
  });
  server.add_tool(search);

  Tool update{
      "update_customer", "Update customer", "Change a customer's name, email, tier or notes.",
      schema({{"id", "string"}, {"name", "string"}, {"email", "string"}, {"tier", "string"}, {"notes", "string"}},
             {"id"})};
  update.annotations.read_only_hint = false;
  update.annotations.destructive_hint = false;
  update.required_scopes = {"mcp:write"};
  update.handler = sync_handler([&crm](const json::object& a, RequestContext&) -> Reply {
    auto updated = crm.update(arg(a, "id"), a);
    if (!updated) return tool_text_result(updated.error().message, true);
    if (!*updated) return tool_text_result("No customer with id " + arg(a, "id"), true);
    return tool_text_result("Updated customer " + arg(a, "id"));
  });
  server.add_tool(update);

  Tool del{"delete_customer", "Delete customer", "Remove a customer for good.", schema({{"id", "string"}}, {"id"})};
  del.annotations.read_only_hint = false;
  del.annotations.destructive_hint = true;
  del.required_scopes = {"mcp:write"};
  del.handler = sync_handler([&crm](const json::object& a, RequestContext&) -> Reply {
    auto removed = crm.remove(arg(a, "id"));
    if (!removed) return tool_text_result(removed.error().message, true);
    if (!*removed) return tool_text_result("No customer with id " + arg(a, "id"), true);
    return tool_text_result("Deleted customer " + arg(a, "id"));
  });
  server.add_tool(del);

  Tool exp{"export_customers", "Export customers", "Every customer record as JSON.", schema({}, {})};
  exp.annotations.read_only_hint = true;
  exp.handler = sync_handler([&crm](const json::object&, RequestContext&) -> Reply {
    auto all = crm.search("");
    if (!all) return tool_text_result(all.error().message, true);
    return tool_text_result(json::serialize(*all));
  });
  server.add_tool(exp);

  ResourceTemplate customer{"crm://customers/{id}", "customer", "Customer record", "One customer as JSON.",
                            "application/json"};
  customer.handler = [&crm](const ResourceRead& r, RequestContext&) -> Task<Reply> {
    auto it = r.variables.find("id");
    if (it == r.variables.end())
      co_return RpcError{error_code::invalid_params, "Resource not found", json::object{{"uri", r.uri}}};
    auto c = crm.get(it->second);
    if (!c) co_return RpcError{error_code::internal_error, c.error().message, json::object{{"uri", r.uri}}};
    if (!*c) co_return RpcError{error_code::invalid_params, "Resource not found", json::object{{"uri", r.uri}}};
    json::object content{{"uri", r.uri}, {"mimeType", "application/json"}, {"text", json::serialize(**c)}};
    co_return json::object{{"contents", json::array{content}}};
  };
  server.add_resource_template(customer);

  Prompt summary{"summarize_customer",
                 "Summarize customer",
                 "Ask for a short account summary.",
                 {PromptArgument{"id", "Customer id", true}}};
  summary.handler = [&crm](const json::object& a, RequestContext&) -> Task<Reply> {
    auto c = crm.get(arg(a, "id"));
    std::string text =
        c && *c ? "Summarize this customer in two sentences: " + json::serialize(**c) : "Unknown customer.";
    json::object msg{{"role", "user"}, {"content", json::object{{"type", "text"}, {"text", text}}}};
    co_return json::object{{"messages", json::array{msg}}};
  };
  server.add_prompt(summary);
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode, listen, api, token_env = "CRM_API_TOKEN";
  bool ok = true;
  for (int i = 1; i < argc && ok; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 < argc)
        out = argv[++i];
      else
        ok = false;
    };
    if (a == "--stdio" && mode.empty())
      mode = a;
    else if (a == "--http" && mode.empty()) {
      mode = a;
      value(listen);
    } else if (a == "--api")
      value(api);
    else if (a == "--token-env")
      value(token_env);
    else
      ok = false;
  }
  if (!ok || mode.empty()) {
    std::cerr << "usage: crm_server --stdio | --http HOST:PORT   [--api URL [--token-env NAME]]\n";
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<crm::CustomerSource> customers;
  if (api.empty())
    customers = std::make_unique<InMemoryCustomers>();
  else
    customers = std::make_unique<crm::ApiCustomers>(api, token_env);
  McpServer server(ServerInfo{"mcpgate-crm-example", "0.1.0", "Example CRM",
                              "Customers of a small company. Read tools look things up; write tools change records."});
  register_crm(server, *customers);
  if (mode == "--stdio") return serve_stdio(server);
  auto colon = listen.rfind(':');
  HttpOptions http;
  http.host = listen.substr(0, colon);
  http.port = static_cast<std::uint16_t>(std::stoul(listen.substr(colon + 1)));
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  HttpTransport transport(server, http);
  transport.start();
  std::cerr << "crm_server listening on http://" << listen << "/mcp\n";
  int sig = 0;
  sigwait(&stop, &sig);
  transport.stop();
  transport.wait();
  return 0;
}
