#include "audit/probe.hpp"

#include "core/json.hpp"
#include "net/sse.hpp"

namespace mcpgate::audit {
namespace json = boost::json;

namespace {
constexpr std::string_view kLegacyRevision = "2025-11-25";
constexpr std::string_view kModernRevision = "2026-07-28";
}  // namespace

bool method_allowed(std::string_view method) {
  // Read-only by definition in every revision: the handshake, liveness and the tool list. A
  // tools/call (or resources/read, prompts/get, …) could act on the operator's systems.
  return method == "initialize" || method == "notifications/initialized" || method == "ping" || method == "tools/list";
}

Result<oauth::HttpFetchResponse> Probe::send(oauth::HttpFetchRequest request) {
  // A hostile or broken server cannot make the audit loop: past the budget, nothing is sent.
  if (used_ >= budget_) {
    ++refused_;
    return fail("request budget of " + std::to_string(budget_) + " exhausted");
  }
  ++used_;
  request.headers.emplace_back("User-Agent", std::string(kUserAgent));
  return fetcher_.fetch(request);
}

Result<oauth::HttpFetchResponse> Probe::get(const std::string& url) {
  oauth::HttpFetchRequest r;
  r.url = url;
  return send(std::move(r));
}

Result<oauth::HttpFetchResponse> Probe::post(const McpPost& p) {
  if (!method_allowed(p.method)) return fail("the audit never sends " + p.method);
  json::object msg{{"jsonrpc", "2.0"}, {"method", p.method}};
  json::object params;
  if (p.method == "initialize")
    params = {{"protocolVersion", kLegacyRevision},
              {"capabilities", json::object{}},
              {"clientInfo", json::object{{"name", "mcpgate-audit"}, {"version", "0.1.0"}}}};
  if (p.era == McpEra::modern)
    params["_meta"] = json::object{
        {"io.modelcontextprotocol/protocolVersion", kModernRevision},
        {"io.modelcontextprotocol/clientCapabilities", json::object{}},
        {"io.modelcontextprotocol/clientInfo", json::object{{"name", "mcpgate-audit"}, {"version", "0.1.0"}}}};
  msg["params"] = std::move(params);
  if (!p.notification) msg["id"] = 1;
  oauth::HttpFetchRequest r;
  r.method = "POST";
  r.url = p.url;
  r.body = json::serialize(msg);
  r.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}};
  if (p.era == McpEra::modern) {
    r.headers.emplace_back("MCP-Protocol-Version", std::string(kModernRevision));
    r.headers.emplace_back("Mcp-Method", p.method);
  } else if (p.method != "initialize") {
    r.headers.emplace_back("MCP-Protocol-Version", std::string(kLegacyRevision));
  }
  if (!p.session_id.empty()) r.headers.emplace_back("Mcp-Session-Id", p.session_id);
  if (p.authorization) r.headers.emplace_back("Authorization", *p.authorization);
  if (p.origin) r.headers.emplace_back("Origin", *p.origin);
  return send(std::move(r));
}

std::vector<json::value> messages_of(const oauth::HttpFetchResponse& response) {
  std::vector<json::value> out;
  auto add = [&](std::string_view text) {
    auto v = parse_json(text);
    if (!v) return;
    if (v->is_array())
      for (auto& e : v->get_array()) out.push_back(e);
    else
      out.push_back(std::move(*v));
  };
  if (response.header("content-type").starts_with("text/event-stream")) {
    net::SseParser parser;
    std::vector<net::SseEvent> events;
    if (!parser.feed(response.body, events)) return out;
    parser.feed("\n\n", events);
    for (auto& e : events)
      if (!e.data.empty()) add(e.data);
  } else {
    add(response.body);
  }
  return out;
}

bool answered_with_result(const oauth::HttpFetchResponse& response) {
  if (response.status / 100 != 2) return false;
  for (auto& m : messages_of(response))
    if (m.is_object() && m.get_object().contains("result")) return true;
  return false;
}

}  // namespace mcpgate::audit
