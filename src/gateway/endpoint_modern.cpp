// The stateless revision (2026-07-28): its request checks (mcp/http_front), the shared upstream
// sessions opened once, and server/discover when the gateway stands in.
#include "core/random.hpp"
#include "gateway/endpoint.hpp"
#include "gateway/endpoint_call.hpp"
#include "gateway/endpoint_support.hpp"
#include "gateway/http_upstream.hpp"
#include "gateway/limit_refusal.hpp"
#include "gateway/message_policy.hpp"
#include "gateway/param_headers.hpp"
#include "gateway/stdio_upstream.hpp"
#include "mcp/http_headers.hpp"
#include "mcp/protocol.hpp"
#include "net/sse.hpp"
#include "policy/canonical_name.hpp"
#include "policy/method_table.hpp"

namespace mcpgate::gateway {
namespace asio = net::asio;
namespace http = net::http;
using steady = std::chrono::steady_clock;

net::awaitable<Result<void>> McpEndpoint::ensure_modern_upstreams(Deadline deadline) {
  for (;;) {
    {
      std::lock_guard lock(shared_mutex_);
      if (shared_ready_) co_return Result<void>{};
      if (!probing_) {
        probing_ = true;
        break;
      }
    }
    // Another request is probing (once per process): wait for it rather than start a second child.
    if (steady::now() >= deadline) co_return fail("upstream probe did not finish in time");
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(10));
    co_await t.async_wait(net::as_tuple_awaitable);
  }
  struct Done {
    McpEndpoint* self;
    ~Done() {
      std::lock_guard lock(self->shared_mutex_);
      self->probing_ = false;
    }
  } done{this};
  // Probe each upstream once: a 2026-07-28 server answers server/discover; a legacy one gets an
  // initialize from the gateway, which then holds that session for every stateless client.
  std::vector<Shared> probed(cfg_.upstreams.size());
  auto ex = co_await asio::this_coro::executor;
  for (std::size_t i = 0; i < cfg_.upstreams.size(); ++i) {
    auto session = make_upstream(i, true);
    auto inbox = std::make_shared<Inbox>(ex);
    json::object meta;
    meta[mcp::kMetaProtocolVersion] = mcp::kRev20260728;
    meta[mcp::kMetaClientCapabilities] = json::object();
    meta[mcp::kMetaClientInfo] = json::object{{"name", "mcpgate"}, {"version", "0.1.0"}};
    json::object params;
    params["_meta"] = std::move(meta);
    auto r = co_await session->begin(mcp::make_request("mcpgate-probe", "server/discover", std::move(params)), inbox,
                                     deadline);
    if (!r) co_return r;
    json::object reply;
    for (;;) {
      auto m = co_await inbox->pop(deadline);
      if (!m) co_return fail("upstream did not answer server/discover: " + m.error().message);
      if (m->contains("id") && !m->contains("method")) {
        reply = std::move(*m);
        break;
      }
    }
    // The gateway, not the upstream, answered (unreachable, no credentials…): say why.
    auto failed_because = [](const json::object& m) {
      auto* e = m.if_contains("error");
      auto* msg = e && e->is_object() ? e->get_object().if_contains("message") : nullptr;
      return msg && msg->is_string() ? std::string(msg->get_string()) : std::string("no reply");
    };
    // (Only for a missing credential: a legacy upstream may well refuse server/discover itself,
    // with an HTTP status, and is then initialized below.)
    if (inbox->failure() == UpstreamFailure::credentials) co_return fail(failed_because(reply));
    probed[i].session = session;
    if (reply.contains("result")) {
      probed[i].modern = true;
      // Its discover result: capabilities (and extensions) for a merged discover of several.
      if (auto& r = reply.at("result"); r.is_object()) probed[i].initialize_result = r.get_object();
      continue;
    }
    json::object init;
    init["protocolVersion"] = mcp::kRev20251125;
    init["capabilities"] = json::object();
    init["clientInfo"] = json::object{{"name", "mcpgate"}, {"version", "0.1.0"}};
    auto inbox2 = std::make_shared<Inbox>(ex);
    r = co_await session->begin(mcp::make_request("mcpgate-init", "initialize", std::move(init)), inbox2, deadline);
    if (!r) co_return r;
    auto m = co_await inbox2->pop(deadline);
    if (m && inbox2->failure()) co_return fail(failed_because(*m));
    if (!m || !m->contains("result") || !m->at("result").is_object()) co_return fail("upstream refused initialize");
    probed[i].initialize_result = m->at("result").get_object();
    co_await session->deliver(mcp::make_notification("notifications/initialized"), deadline);
  }
  std::lock_guard lock(shared_mutex_);
  if (!shared_ready_) {
    shared_ = std::move(probed);
    shared_ready_ = true;
  } else {
    for (auto& p : probed) p.session->close();
  }
  co_return Result<void>{};
}

json::object McpEndpoint::synthesized_discover() {
  json::object caps;
  json::object server_info;
  server_info["name"] = "mcpgate";
  server_info["version"] = "0.1.0";
  std::string instructions;
  std::lock_guard lock(shared_mutex_);
  for (auto& s : shared_) {
    if (auto* c = s.initialize_result.if_contains("capabilities"); c && c->is_object()) {
      for (auto& kv : c->get_object()) {
        auto k = kv.key();
        if (k == "tools" || k == "prompts" || k == "resources" || k == "completions" || k == "logging")
          caps[k] = json::object();
        // Extensions an upstream declares (the tasks extension, SEP-2663) are the client's to see:
        // the gateway relays them (and binds tasks to principals, endpoint_tasks.cpp).
        if (k == "extensions" && kv.value().is_object()) {
          auto& slot = caps["extensions"];
          if (!slot.is_object()) slot = json::object();
          for (auto& ext : kv.value().get_object()) slot.get_object()[ext.key()] = ext.value();
        }
      }
    }
    if (s.modern) caps["tools"] = json::object();
    if (cfg_.upstreams.size() == 1)
      if (auto* si = s.initialize_result.if_contains("serverInfo"); si && si->is_object())
        server_info = si->get_object();
    if (auto* ins = s.initialize_result.if_contains("instructions"); ins && ins->is_string())
      instructions += std::string(ins->get_string());
  }
  json::object result;
  json::array versions;
  versions.emplace_back(mcp::kRev20260728);
  result["supportedVersions"] = std::move(versions);
  result["capabilities"] = std::move(caps);
  if (!instructions.empty()) result["instructions"] = instructions;
  json::object meta;
  meta["io.modelcontextprotocol/serverInfo"] = std::move(server_info);
  result["_meta"] = std::move(meta);
  result["resultType"] = "complete";
  result["ttlMs"] = 0;
  result["cacheScope"] = "private";
  return result;
}

net::awaitable<void> McpEndpoint::modern_message(net::Exchange& ex, mcp::Message msg, bool sse_ok,
                                                 const Caller& caller) {
  json::value id = msg.id() ? *msg.id() : json::value();
  // The 2026-07-28 request checks of the front door (mcp/http_front), shared with the library.
  if (auto refusal = mcp::front::check_modern(ex.request(), msg)) {
    auto res = answer_refusal(ex, &caller, msg.method(), front_door_refusal(*refusal));
    co_await ex.respond(std::move(res));
    co_return;
  }
  std::string method(msg.method());
  auto deadline = steady::now() + cfg_.upstreams[0].request_timeout;
  auto ready = co_await ensure_modern_upstreams(deadline);
  if (!ready) {
    metrics_.error(ErrorReason::upstream_unavailable);
    co_await ex.respond(
        rpc_error(502, id, mcp::code::upstream_unavailable, "Upstream unavailable: " + ready.error().message));
    co_return;
  }
  Call call;
  call.request_id = ex.request_id();
  call.caller = caller;
  call.method = method;
  call.era = mcp::Era::modern;
  call.sse_ok = sse_ok;
  call.deadline = deadline;
  bool all_modern = true;
  {
    std::lock_guard lock(shared_mutex_);
    for (auto& s : shared_) {
      call.upstreams.push_back(s.session);
      all_modern = all_modern && s.modern;
    }
  }
  // A stdio upstream in mode per_principal: this caller's own children, not the shared session.
  for (std::size_t i = 0; i < call.upstreams.size(); ++i)
    if (children_[i]) call.upstreams[i] = children_[i]->route(caller.key());
  call.translate_to_modern = !all_modern;
  if (msg.is_notification() && msg.method() == "notifications/cancelled") {
    // Over Streamable HTTP a closed stream is the cancellation (2026-07-28 cancellation); the
    // upstream session is shared by every stateless client, so a forwarded requestId could cancel
    // another principal's request that happens to use the same id.
    co_await ex.respond(empty_response(202));
    co_return;
  }
  if (!msg.is_request()) {
    co_await relay_notification(ex, caller, std::move(msg), call.upstreams, deadline);
    co_return;
  }
  if (method == "server/discover" && (!all_modern || call.upstreams.size() > 1)) {
    // Built by the gateway when it stands in for legacy upstreams or merges several.
    co_await ex.respond(json_response(200, mcp::make_result(id, synthesized_discover())));
    co_return;
  }
  call.request = std::move(msg.body);
  co_await forward(ex, call);
}

}  // namespace mcpgate::gateway
