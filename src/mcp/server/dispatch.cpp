// One message in, one answer out: the lifecycle methods of each era (initialize, ping,
// logging/setLevel, subscriptions; server/discover), tasks, and everything else through a Call.
#include "mcp/server/call.hpp"
#include "mcp/server/tasks.hpp"

namespace mcpgate::mcp::server {

json::object error_response(const json::value& id, const RpcError& e) {
  return make_error(id, e.code, e.message, e.data);
}

namespace {

bool cacheable(std::string_view method) {
  return method == "tools/list" || method == "resources/list" || method == "resources/templates/list" ||
         method == "prompts/list" || method == "resources/read" || method == "server/discover";
}

json::object server_capabilities(ProtocolEra era) {
  json::object caps{{"logging", json::object{}}, {"completions", json::object{}}};
  // Tasks exist in the modern era only, as an extension (not the v1 `tasks` capability).
  if (era == ProtocolEra::modern) caps["extensions"] = json::object{{kTasksExtension, json::object{}}};
  if (era == ProtocolEra::legacy) {
    caps["prompts"] = json::object{{"listChanged", true}};
    caps["resources"] = json::object{{"subscribe", true}, {"listChanged", true}};
    caps["tools"] = json::object{{"listChanged", true}};
  } else {
    // No subscriptions/listen yet, so nothing is promised about change notifications.
    caps["prompts"] = json::object{};
    caps["resources"] = json::object{};
    caps["tools"] = json::object{};
  }
  return caps;
}

}  // namespace
}  // namespace mcpgate::mcp::server

namespace mcpgate {

using mcp::Message;
using mcp::server::Outlet;
using mcp::server::Session;
namespace code = mcp::code;

net::awaitable<std::optional<json::object>> McpServer::Impl::handle(const Message& message, ProtocolEra era,
                                                                    Session* session, Outlet& outlet,
                                                                    std::string_view owner) {
  using namespace mcp::server;
  using namespace mcp;
  static const json::object kNoParams;
  const json::object& params = message.params() ? *message.params() : kNoParams;
  auto method = message.method();
  if (message.is_notification()) {
    if (era == ProtocolEra::legacy && session && method == "notifications/initialized") session->initialized = true;
    co_return std::nullopt;
  }
  const json::value& id = *message.id();
  auto reply = [&](Outcome o) -> json::object {
    if (!o) return error_response(id, o.error());
    if (era == ProtocolEra::modern) {
      if (!o->contains("resultType")) (*o)["resultType"] = "complete";
      if (cacheable(method) && o->at("resultType") == "complete") {
        (*o)["ttlMs"] = options.cache.ttl_ms;
        (*o)["cacheScope"] = options.cache.shared ? "public" : "private";
      }
    }
    return mcp::make_result(id, std::move(*o));
  };

  if (era == ProtocolEra::modern) {
    if (auto e = check_modern_meta(&params)) co_return error_response(id, *e);
    auto& meta = params.at("_meta").get_object();
    std::string version(meta.at(kMetaProtocolVersion).get_string());
    if (auto e = check_modern_version(version)) co_return error_response(id, *e);
    if (method == "server/discover") {
      json::array versions;
      for (auto v : kKnownRevisions) versions.emplace_back(v);
      json::object r{{"supportedVersions", std::move(versions)}, {"capabilities", server_capabilities(era)}};
      if (!info.instructions.empty()) r["instructions"] = info.instructions;
      json::object server_info{{"name", info.name}, {"version", info.version}};
      if (!info.title.empty()) server_info["title"] = info.title;
      r["_meta"] = json::object{{"io.modelcontextprotocol/serverInfo", std::move(server_info)}};
      co_return reply(std::move(r));
    }
    auto& caps = meta.at(kMetaClientCapabilities).get_object();
    if (is_task_method(method)) co_return reply(tasks::handle(*this, method, params, caps, owner));
    Call call(*this, era, nullptr, outlet, params, version, caps, owner);
    co_return reply(co_await call.run(method));
  }

  if (!session) co_return error_response(id, RpcError{code::internal_error, "no session", std::nullopt});
  if (method == "initialize") {
    auto* v = params.if_contains("protocolVersion");
    if (!v || !v->is_string())
      co_return error_response(id, RpcError{code::invalid_params, "initialize needs protocolVersion", std::nullopt});
    // Echo a revision we speak, else offer our newest legacy one (the client decides).
    session->protocol_version =
        is_legacy_revision(v->get_string()) ? std::string(v->get_string()) : std::string(kRev20251125);
    if (auto* c = params.if_contains("capabilities"); c && c->is_object())
      session->client_capabilities = c->get_object();
    if (auto* c = params.if_contains("clientInfo"); c && c->is_object()) session->client_info = c->get_object();
    json::object server_info{{"name", info.name}, {"version", info.version}};
    if (!info.title.empty()) server_info["title"] = info.title;
    json::object r{{"protocolVersion", session->protocol_version},
                   {"capabilities", server_capabilities(era)},
                   {"serverInfo", std::move(server_info)}};
    if (!info.instructions.empty()) r["instructions"] = info.instructions;
    co_return reply(std::move(r));
  }
  if (method == "ping") co_return reply(json::object{});
  if (method == "logging/setLevel") {
    auto* l = params.if_contains("level");
    auto level = l && l->is_string() ? parse_log_level(l->get_string()) : std::nullopt;
    if (!level) co_return error_response(id, RpcError{code::invalid_params, "unknown log level", std::nullopt});
    session->log_level = static_cast<int>(*level);
    co_return reply(json::object{});
  }
  if (method == "resources/subscribe" || method == "resources/unsubscribe") {
    auto* u = params.if_contains("uri");
    if (!u || !u->is_string() || u->get_string().empty())
      co_return error_response(id, RpcError{code::invalid_params, "needs params.uri", std::nullopt});
    std::string uri(u->get_string());
    if (method == "resources/subscribe" && !session->subscribe(uri))
      co_return error_response(id, RpcError{code::invalid_params, "too many subscriptions", std::nullopt});
    if (method == "resources/unsubscribe") session->unsubscribe(uri);
    co_return reply(json::object{});
  }
  Call call(*this, era, session, outlet, params, session->protocol_version, session->client_capabilities);
  co_return reply(co_await call.run(method));
}

}  // namespace mcpgate
