#include "gateway/endpoint.hpp"

#include "core/random.hpp"
#include "gateway/endpoint_call.hpp"
#include "gateway/http_upstream.hpp"
#include "gateway/limit_refusal.hpp"
#include "gateway/message_policy.hpp"
#include "gateway/param_headers.hpp"
#include "gateway/stdio_upstream.hpp"
#include "mcp/http_headers.hpp"
#include "mcp/json.hpp"
#include "mcp/protocol.hpp"
#include "net/sse.hpp"
#include "policy/canonical_name.hpp"
#include "policy/method_table.hpp"

namespace mcpgate::gateway {
namespace asio = net::asio;
namespace http = net::http;
using steady = std::chrono::steady_clock;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now().time_since_epoch()).count();
}

std::string_view header(const net::Request& r, std::string_view name) {
  auto it = r.find(name);
  return it == r.end() ? std::string_view() : std::string_view(it->value());
}

using mcp::decode_header_value;
using mcp::is_json_content_type;
using mcp::name_header_param;
using mcp::parse_accept;

net::Response json_response(unsigned status, const json::object& body) {
  net::Response res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = mcp::serialize(body);
  return res;
}

net::Response rpc_error(unsigned status, const json::value& id, int code, std::string_view message,
                        std::optional<json::value> data = std::nullopt) {
  return json_response(status, mcp::make_error(id, code, message, std::move(data)));
}

net::Response empty_response(unsigned status) {
  net::Response res{static_cast<http::status>(status), 11};
  return res;
}

const json::object* params_of(const json::object& m) {
  auto* p = m.if_contains("params");
  return p && p->is_object() ? &p->get_object() : nullptr;
}

const json::object* meta_of(const json::object& m) {
  auto* p = params_of(m);
  if (!p) return nullptr;
  auto* meta = p->if_contains("_meta");
  return meta && meta->is_object() ? &meta->get_object() : nullptr;
}

// A message's id, or null. Always into a named variable before a co_await: g++ 12 destroys a
// temporary that a co_await expression binds to a reference parameter twice (a crash on any
// notification sent with an unknown session, when it was `m.id() ? *m.id() : json::value()`).
json::value id_of(const mcp::Message& m) {
  auto* id = m.id();
  return id ? *id : json::value();
}

std::string string_param(const json::object& m, std::string_view key) {
  auto* p = params_of(m);
  if (!p) return {};
  auto* v = p->if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// 2026-07-28: the HTTP status follows the JSON-RPC error (transports, "Error Handling").
unsigned modern_status_for(const json::object& reply) {
  auto* e = reply.if_contains("error");
  if (!e || !e->is_object()) return 200;
  auto* c = e->get_object().if_contains("code");
  if (!c || !c->is_int64()) return 200;
  switch (c->get_int64()) {
    case mcp::code::method_not_found:
      return 404;
    case mcp::code::invalid_params:
    case mcp::code::invalid_request:
    case mcp::code::header_mismatch:
    case mcp::code::missing_capability:
    case mcp::code::unsupported_version:
      return 400;
    default:
      return 200;
  }
}

bool is_list_method(std::string_view m) {
  return m == "tools/list" || m == "prompts/list" || m == "resources/list" || m == "resources/templates/list";
}

std::string_view list_key(std::string_view m) {
  if (m == "tools/list") return "tools";
  if (m == "prompts/list") return "prompts";
  if (m == "resources/list") return "resources";
  return "resourceTemplates";
}

// Results a stateless client receives from a legacy upstream get the fields 2026-07-28 requires.
void modernize_result(std::string_view method, json::object& reply) {
  auto* r = reply.if_contains("result");
  if (!r || !r->is_object()) return;
  auto& o = r->get_object();
  if (!o.contains("resultType")) o["resultType"] = "complete";
  if (is_list_method(method) || method == "resources/read") {
    if (!o.contains("ttlMs")) o["ttlMs"] = 0;
    if (!o.contains("cacheScope")) o["cacheScope"] = "private";
  }
}

}  // namespace

McpEndpoint::McpEndpoint(const config::Endpoint& cfg, const config::Limits& limits, Metrics& metrics,
                         std::vector<asio::any_io_executor> executors, std::shared_ptr<const Authorizer> authorizer,
                         AuditLog& audit, boost::asio::thread_pool& blocking,
                         std::vector<std::shared_ptr<exchange::UpstreamCredentials>> credentials)
    : hints_(std::make_unique<Hints>()),
      authorizer_(std::move(authorizer)),
      audit_(audit),
      blocking_(blocking),
      cfg_(cfg),
      limits_(limits),
      metrics_(metrics),
      executors_(std::move(executors)),
      sessions_(limits.max_sessions),
      limiter_(PrincipalLimiter::create(limits.per_principal)),
      tasks_(limits.tasks.max_tasks, limits.tasks.max_per_principal, limits.tasks.max_ttl) {
  shared_.resize(cfg_.upstreams.size());
  credentials_ = std::move(credentials);
  credentials_.resize(cfg_.upstreams.size());
  metrics_.watch_principals(cfg_.name, limiter_);
  for (auto& u : cfg_.upstreams) {
    admissions_.push_back(Admission::create({u.max_concurrent_requests, u.max_pending_requests, u.queue_timeout}));
    metrics_.watch_upstream(cfg_.name, u.name, admissions_.back());
  }
  for (std::size_t i = 0; i < cfg_.upstreams.size(); ++i) {
    auto& u = cfg_.upstreams[i];
    if (!u.stdio || u.stdio->mode != config::StdioUpstream::Mode::per_principal || !credentials_[i]) {
      children_.push_back(nullptr);
      continue;
    }
    PrincipalChildrenOptions o;
    o.stdio = stdio_options(i, cfg_.name + "/" + u.name);
    o.stdio.token_env = u.credentials.env;
    o.upstream = u.name;
    o.policy.max_children = u.stdio->max_children;
    o.policy.idle_timeout = u.stdio->idle_timeout.value_or(limits_.session_idle_timeout);
    if (u.stdio->renew_before) o.policy.renew_before = *u.stdio->renew_before;
    // The executors by value: a route in a request still running may outlive the endpoint.
    auto next = [executors = executors_, n = std::make_shared<std::atomic<std::size_t>>(0)] {
      return executors[n->fetch_add(1) % executors.size()];
    };
    children_.push_back(std::make_shared<PrincipalChildren>(std::move(o), credentials_[i], std::move(next), &metrics_));
    metrics_.watch_children(cfg_.name, u.name, children_.back());
  }
}

void McpEndpoint::audit(const Call& call, const policy::Target& target, const policy::Decision& d) {
  if (!audit_.enabled()) return;
  AuditRecord r;
  r.request_id = call.request_id;
  r.endpoint = cfg_.path;
  if (call.caller.principal) {
    r.issuer = call.caller.principal->issuer;
    r.subject = call.caller.principal->subject;
    r.client = call.caller.principal->client_id.value_or("");
  }
  r.method = call.method;
  r.target = target.name;
  r.decision = d.outcome == policy::Outcome::allow ? "allow" : d.shadowed ? "shadow-deny" : "deny";
  r.rule = d.rule;
  r.reason = d.reason;
  r.latency_ms = std::chrono::duration<double, std::milli>(steady::now() - call.started).count();
  audit_.write(r);
}

void McpEndpoint::record(const Call& call, const Verdict& v) {
  for (auto& j : v.judged) {
    audit(call, j.target, j.decision);
    metrics_.decision(j.decision.outcome == policy::Outcome::allow ? 0 : j.decision.shadowed ? 1 : 2);
  }
}

std::shared_ptr<FrontSession> McpEndpoint::find_session(std::string_view id, const Caller& caller) {
  auto s = sessions_.find(std::string(id));
  // Another principal's session id is answered exactly like an unknown one: no oracle.
  if (s && s->owner != caller.key()) return nullptr;
  return s;
}

void McpEndpoint::remember_hints(std::size_t upstream_index, const json::object& reply) {
  auto* r = reply.if_contains("result");
  if (!r || !r->is_object()) return;
  auto* tools = r->get_object().if_contains("tools");
  if (!tools || !tools->is_array()) return;
  hints_->params.remember(cfg_.upstreams[upstream_index].name, reply);
  std::unique_lock lock(hints_->mutex);
  if (hints_->by_tool.size() > 100'000) hints_->by_tool.clear();  // bounded
  for (auto& t : tools->get_array()) {
    if (!t.is_object()) continue;
    auto* n = t.get_object().if_contains("name");
    if (!n || !n->is_string()) continue;
    bool ro = false;
    if (auto* a = t.get_object().if_contains("annotations"); a && a->is_object())
      if (auto* h = a->get_object().if_contains("readOnlyHint"); h && h->is_bool()) ro = h->get_bool();
    hints_->by_tool[cfg_.upstreams[upstream_index].name + "\n" + std::string(n->get_string())] = ro;
  }
}

// Lists show only what this caller may use (same rules as the calls; fail closed: an item that
// cannot be read is dropped).
void McpEndpoint::filter_list(Call& call, json::object& reply, std::size_t upstream_index) {
  auto* r = reply.if_contains("result");
  if (!r || !r->is_object()) return;
  auto& ro = r->get_object();
  auto key = list_key(call.method);
  auto* items = ro.if_contains(key);
  if (!items || !items->is_array()) {
    if (ro.contains(key)) ro[key] = json::array();
    return;
  }
  auto authz = authorizer();
  if (call.era == mcp::Era::modern) {
    // Per-principal (caching.mdx MUST). Inserting may rehash the object: look the list up again.
    ro["cacheScope"] = "private";
    items = ro.if_contains(key);
  }
  if (!authz->has_policy()) return;
  policy::TargetKind kind = key == "tools"     ? policy::TargetKind::tool
                            : key == "prompts" ? policy::TargetKind::prompt
                                               : policy::TargetKind::resource;
  const char* method = key == "tools" ? "tools/call" : key == "prompts" ? "prompts/get" : "resources/read";
  const char* name_key = key == "tools" || key == "prompts" ? "name" : key == "resources" ? "uri" : "uriTemplate";
  json::array kept;
  for (auto& item : items->get_array()) {
    if (!item.is_object()) continue;
    auto* n = item.get_object().if_contains(name_key);
    if (!n || !n->is_string()) continue;
    // Judged in the form a call would be judged in; an item without one is dropped (fail closed).
    auto name = kind == policy::TargetKind::resource ? policy::canonical_uri(n->get_string())
                                                     : policy::canonical_name(n->get_string());
    if (!name) continue;
    policy::Target t{kind, std::move(*name), method, cfg_.upstreams[upstream_index].name};
    auto d = authz->decide(call.caller, t, hints_.get());
    if (d.allowed()) kept.push_back(std::move(item));
  }
  ro[key] = std::move(kept);
}

McpEndpoint::~McpEndpoint() {
  shutdown();
}

void McpEndpoint::shutdown() {
  for (auto& s : sessions_.take_all()) {
    s->close();
    metrics_.session_closed();
  }
  {
    std::lock_guard lock(shared_mutex_);
    for (auto& s : shared_)
      if (s.session) s.session->close();
  }
  for (auto& c : children_)
    if (c) c->shutdown();
}

void McpEndpoint::reap_idle_sessions() {
  for (auto& s : sessions_.take_idle(now_ms() - limits_.session_idle_timeout.count())) {
    s->close();
    metrics_.session_closed();
  }
  limiter_->sweep(steady::now());
  for (auto& c : children_)
    if (c) c->sweep(steady::now());
}

asio::any_io_executor McpEndpoint::next_executor() {
  return executors_[next_executor_.fetch_add(1) % executors_.size()];
}

StdioOptions McpEndpoint::stdio_options(std::size_t index, std::string label) const {
  auto& u = cfg_.upstreams[index];
  StdioOptions o;
  o.process = *u.stdio;
  o.label = std::move(label);
  o.tag = std::to_string(index);
  o.backoff_max = u.restart_backoff_max;
  o.max_in_flight = 2 * u.max_concurrent_requests;  // a backstop: admit_upstream is the limit
  return o;
}

std::shared_ptr<UpstreamSession> McpEndpoint::make_upstream(std::size_t index, bool shared,
                                                            const std::string& principal) {
  auto& u = cfg_.upstreams[index];
  std::string label = cfg_.name + "/" + u.name + (shared ? "[shared]" : "");
  if (children_[index]) return children_[index]->route(shared ? std::string(kGatewayPrincipal) : principal);
  if (u.stdio) return std::make_shared<StdioUpstream>(next_executor(), stdio_options(index, label), &metrics_);
  HttpOptions o;
  o.http = *u.http;
  o.name = u.name;
  o.label = label;
  o.tag = std::to_string(index);
  o.max_in_flight = 2 * u.max_concurrent_requests;  // a backstop: admit_upstream is the limit
  o.credentials = credentials_[index];
  return std::make_shared<HttpUpstream>(next_executor(), std::move(o));
}

void McpEndpoint::bind_subject(Inbox& inbox, std::size_t index, const Caller& caller) const {
  auto& c = credentials_[index];
  if (!c || c->mode() != config::Credentials::Mode::token_exchange || !caller.principal) return;
  auto s = std::make_shared<exchange::SubjectToken>();
  s->token = caller.token;
  s->token_key = caller.token_key;
  s->scopes = caller.principal->scopes;
  s->expiry = caller.principal->expiry;
  inbox.subject = std::move(s);
}

net::awaitable<void> McpEndpoint::handle(net::Exchange& ex) {
  auto authz = authorizer();
  // Every request to a protected endpoint is authenticated: POST (initialize and notifications
  // included), GET and DELETE (MCP authorization, "Token Handling": on every request).
  auto caller = co_await authz->authenticate(ex.request(), blocking_);
  if (!caller) {
    metrics_.error(ErrorReason::unauthorized);
    if (audit_.enabled()) {
      AuditRecord r;
      r.endpoint = cfg_.path;
      r.decision = "unauthenticated";
      r.reason = std::string(caller.error()[http::field::www_authenticate]);
      audit_.write(r);
    }
    co_await ex.respond(std::move(caller.error()));
    co_return;
  }
  if (caller->missing_required_scopes && ex.request().method() != http::verb::post) {
    co_await refuse_baseline(ex, *caller, std::string(ex.request().method_string()));
    co_return;
  }
  switch (ex.request().method()) {
    case http::verb::post:
      co_await handle_post(ex, *caller);
      break;
    case http::verb::get:
      co_await handle_get(ex, *caller);
      break;
    case http::verb::delete_:
      co_await handle_delete(ex, *caller);
      break;
    default: {
      metrics_.error(ErrorReason::method_not_allowed);
      auto res = rpc_error(405, nullptr, mcp::code::invalid_request, "Method not allowed");
      res.set(http::field::allow, "GET, POST, DELETE, OPTIONS");
      co_await ex.respond(std::move(res));
    }
  }
}

net::awaitable<void> McpEndpoint::handle_post(net::Exchange& ex, const Caller& caller) {
  auto& req = ex.request();
  if (!is_json_content_type(header(req, "Content-Type"))) {
    metrics_.error(ErrorReason::unsupported_media_type);
    co_await ex.respond(rpc_error(415, nullptr, mcp::code::invalid_request, "Content-Type must be application/json"));
    co_return;
  }
  auto accepts = parse_accept(header(req, "Accept"));
  if (!accepts.json && !accepts.sse) {
    metrics_.error(ErrorReason::not_acceptable);
    co_await ex.respond(rpc_error(406, nullptr, mcp::code::invalid_request,
                                  "Accept must include application/json and text/event-stream"));
    co_return;
  }
  auto parsed = mcp::parse_json(req.body(), {64, limits_.max_body_bytes});
  if (!parsed) {
    metrics_.error(ErrorReason::parse_error);
    co_await ex.respond(rpc_error(400, nullptr, mcp::code::parse_error, "Parse error: " + parsed.error().message));
    co_return;
  }
  if (parsed->is_array()) {
    // Batches were removed in 2025-06-18; a gateway that split them would also have to
    // authorize each part, so they are refused for every revision.
    metrics_.error(ErrorReason::bad_request);
    co_await ex.respond(rpc_error(400, nullptr, mcp::code::invalid_request, "JSON-RPC batches are not supported"));
    co_return;
  }
  json::value id =
      parsed->is_object() && parsed->get_object().contains("id") ? parsed->get_object().at("id") : json::value();
  auto msg = mcp::classify(std::move(*parsed));
  if (!msg) {
    metrics_.error(ErrorReason::bad_request);
    // Named, not a conditional inside the co_await: g++ 12 miscompiles a temporary json::value in a
    // conditional operator within a co_await expression (it copies from an unconstructed one).
    json::value echoed = id.is_string() || id.is_int64() ? id : json::value();
    co_await ex.respond(rpc_error(400, echoed, mcp::code::invalid_request, "Invalid Request: " + msg.error().message));
    co_return;
  }

  // Fairness first: a principal over its quota or rate costs nothing more (principal_limits.hpp).
  auto slot = co_await admit_request(ex, caller, *msg);
  if (!slot) co_return;
  // Without the endpoint's required scopes, only an operation on a tool, resource or prompt goes
  // on to the policy stage, which names its scopes and the baseline in one challenge.
  if (caller.missing_required_scopes &&
      !(msg->is_request() && policy::method_class(msg->method(), false) == policy::MethodClass::targeted)) {
    co_await refuse_baseline(ex, caller, std::string(msg->method()));
    co_return;
  }

  // The era is decided per request (see docs/architecture.md, "Two eras at one URL").
  auto version = trim_ows(header(req, "MCP-Protocol-Version"));
  auto session_id = header(req, "Mcp-Session-Id");
  bool modern = (!version.empty() && !mcp::is_legacy_revision(version)) ||
                (version.empty() && session_id.empty() && meta_of(msg->body) &&
                 meta_of(msg->body)->contains(mcp::kMetaProtocolVersion));
  if (modern) {
    co_await modern_message(ex, std::move(*msg), accepts.sse, caller);
    co_return;
  }
  if (session_id.empty()) {
    if (msg->is_request() && msg->method() == "initialize") {
      co_await legacy_initialize(ex, std::move(*msg), accepts.sse, caller);
      co_return;
    }
    metrics_.error(ErrorReason::bad_request);
    auto id = id_of(*msg);
    auto res = rpc_error(400, id, mcp::code::invalid_request, "Bad Request: Mcp-Session-Id header is required");
    co_await ex.respond(std::move(res));
    co_return;
  }
  auto session = find_session(session_id, caller);
  if (!session) {
    metrics_.error(ErrorReason::unknown_session);
    auto id = id_of(*msg);
    auto res = rpc_error(404, id, -32001, "Session not found");
    co_await ex.respond(std::move(res));
    co_return;
  }
  co_await legacy_message(ex, std::move(session), std::move(*msg), accepts.sse, caller);
}

net::awaitable<void> McpEndpoint::legacy_initialize(net::Exchange& ex, mcp::Message msg, bool sse_ok,
                                                    const Caller& caller) {
  // The session quota bounds what one principal can hold: sessions and the children they own.
  auto id = id_of(msg);
  auto quota = co_await admit_session(ex, caller, id);
  if (!quota) co_return;
  auto session = std::make_shared<FrontSession>();
  session->quota_slot = std::make_shared<PrincipalLimiter::Slot>(std::move(*quota));
  session->id = system_random().token(24);
  session->owner = caller.key();
  session->last_used_ms = now_ms();
  for (std::size_t i = 0; i < cfg_.upstreams.size(); ++i)
    session->upstreams.push_back(make_upstream(i, false, caller.key()));
  if (auto* p = msg.params()) {
    if (auto* v = p->if_contains("protocolVersion"); v && v->is_string()) session->protocol_version = v->get_string();
  }
  Call call;
  call.request_id = ex.request_id();
  call.caller = caller;
  call.method = "initialize";
  call.request = std::move(msg.body);
  call.era = mcp::Era::legacy;
  call.sse_ok = sse_ok;
  call.session = session;
  call.upstreams = session->upstreams;
  call.deadline = steady::now() + cfg_.upstreams[0].request_timeout;
  if (!sessions_.insert(session)) {
    metrics_.error(ErrorReason::too_many_sessions);
    session->close();
    co_await ex.respond(rpc_error(503, call.request["id"], mcp::code::overloaded, "Too many sessions"));
    co_return;
  }
  metrics_.session_opened();
  co_await forward(ex, call);
}

net::awaitable<void> McpEndpoint::legacy_message(net::Exchange& ex, std::shared_ptr<FrontSession> session,
                                                 mcp::Message msg, bool sse_ok, const Caller& caller) {
  auto version = trim_ows(header(ex.request(), "MCP-Protocol-Version"));
  if (!version.empty() && !mcp::is_legacy_revision(version)) {
    metrics_.error(ErrorReason::unsupported_version);
    auto id = id_of(msg);
    auto res = rpc_error(400, id, mcp::code::invalid_request,
                         "Bad Request: Unsupported protocol version: " + std::string(version));
    co_await ex.respond(std::move(res));
    co_return;
  }
  session->last_used_ms = now_ms();
  auto deadline = steady::now() + cfg_.upstreams[0].request_timeout;
  if (!msg.is_request()) {
    // Notifications go to every upstream; an answer to a server request goes to the one that asked.
    if (msg.is_reply()) {
      auto* id = msg.id();
      std::string_view sid = id && id->is_string() ? std::string_view(id->get_string()) : std::string_view();
      std::shared_ptr<UpstreamSession> target;
      if (auto idx = server_request_upstream(sid); idx && *idx < session->upstreams.size())
        target = session->upstreams[*idx];
      if (!target) {
        co_await ex.respond(rpc_error(400, nullptr, mcp::code::invalid_request, "Response to an unknown request"));
        co_return;
      }
      auto r = co_await target->deliver(std::move(msg.body), deadline);
      if (!r) {
        co_await ex.respond(rpc_error(400, nullptr, mcp::code::invalid_request, r.error().message));
        co_return;
      }
    } else {
      co_await relay_notification(ex, caller, std::move(msg), session->upstreams, deadline);
      co_return;
    }
    co_await ex.respond(empty_response(202));
    co_return;
  }
  if (msg.method() == "ping") {
    // Liveness of the gateway session itself; answered here.
    co_await ex.respond(json_response(200, mcp::make_result(*msg.id(), json::object())));
    co_return;
  }
  Call call;
  call.request_id = ex.request_id();
  call.caller = caller;
  call.method = std::string(msg.method());
  call.request = std::move(msg.body);
  call.era = mcp::Era::legacy;
  call.sse_ok = sse_ok;
  call.session = session;
  call.upstreams = session->upstreams;
  call.deadline = deadline;
  if (session->protocol_version >= std::string(mcp::kRev20251125)) call.priming_version = session->protocol_version;
  co_await forward(ex, call);
}

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

std::optional<net::Response> McpEndpoint::validate_modern(const net::Request& req, const mcp::Message& msg) {
  json::value id = msg.id() ? *msg.id() : json::value();
  auto reject = [&](unsigned status, int code, std::string message, ErrorReason reason,
                    std::optional<json::value> data = std::nullopt) {
    metrics_.error(reason);
    return std::optional<net::Response>(rpc_error(status, id, code, message, std::move(data)));
  };
  // Order of checks: 2026-07-28 basic/index "_meta", then transports "Protocol Version Header",
  // then "Standard Headers" (Mcp-Method, Mcp-Name).
  auto* meta = meta_of(msg.body);
  if (msg.is_request()) {
    std::string missing;
    if (!meta || !meta->contains(mcp::kMetaProtocolVersion)) missing = std::string(mcp::kMetaProtocolVersion);
    if (!meta || !meta->contains(mcp::kMetaClientCapabilities))
      missing += (missing.empty() ? "" : ", ") + std::string(mcp::kMetaClientCapabilities);
    if (!missing.empty())
      return reject(400, mcp::code::invalid_params, "Invalid params: missing _meta keys: " + missing,
                    ErrorReason::bad_request);
  }
  auto version = trim_ows(header(req, "MCP-Protocol-Version"));
  if (version.empty())
    return reject(400, mcp::code::header_mismatch, "Missing MCP-Protocol-Version header", ErrorReason::header_mismatch);
  if (meta) {
    auto* mv = meta->if_contains(mcp::kMetaProtocolVersion);
    if (mv && (!mv->is_string() || mv->get_string() != version))
      return reject(400, mcp::code::header_mismatch, "MCP-Protocol-Version header does not match _meta.protocolVersion",
                    ErrorReason::header_mismatch);
  }
  if (!mcp::is_modern_revision(version)) {
    json::array supported;
    for (auto v : mcp::kModernRevisions) supported.emplace_back(v);
    json::object data;
    data["supported"] = std::move(supported);
    data["requested"] = version;
    return reject(400, mcp::code::unsupported_version, "Unsupported protocol version", ErrorReason::unsupported_version,
                  json::value(std::move(data)));
  }
  std::string method(msg.method());
  auto hm = header(req, "Mcp-Method");
  auto decoded = decode_header_value(hm);
  if (hm.empty() || !decoded || *decoded != method)
    return reject(400, mcp::code::header_mismatch, "Mcp-Method header does not match the request body",
                  ErrorReason::header_mismatch);
  auto name_key = name_header_param(method);
  if (!name_key.empty()) {
    auto hn = header(req, "Mcp-Name");
    auto dn = decode_header_value(hn);
    if (hn.empty() || !dn || *dn != string_param(msg.body, name_key))
      return reject(400, mcp::code::header_mismatch, "Mcp-Name header does not match the request body",
                    ErrorReason::header_mismatch);
  }
  // Methods that 2026-07-28 removed (sessions, ping, per-connection log level and subscriptions).
  // tasks/result and tasks/list: the tasks of 2025-11-25, which the 2026-07-28 tasks extension
  // (SEP-2663) does not have; the gateway answers them so that no upstream's old task surface is
  // reached around the task binding.
  if (msg.is_request() &&
      (method == "initialize" || method == "ping" || method == "logging/setLevel" || method == "resources/subscribe" ||
       method == "resources/unsubscribe" || method == "tasks/result" || method == "tasks/list"))
    return reject(404, mcp::code::method_not_found, "Method not found: " + method, ErrorReason::bad_request);
  return std::nullopt;
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
  if (auto refusal = validate_modern(ex.request(), msg)) {
    co_await ex.respond(std::move(*refusal));
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
  if (msg.is_reply()) {
    // 2026-07-28 servers send no requests (MRTR instead): there is nothing a reply could answer.
    metrics_.error(ErrorReason::bad_request);
    co_await ex.respond(rpc_error(400, nullptr, mcp::code::invalid_request, "Response to an unknown request"));
    co_return;
  }
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

net::awaitable<void> McpEndpoint::fan_out_list(net::Exchange& ex, Call& call) {
  json::value id = call.request["id"];
  auto key = list_key(call.method);
  json::array merged;
  json::object first_result;
  for (std::size_t i = 0; i < call.upstreams.size(); ++i) {
    auto inbox = std::make_shared<Inbox>(ex.executor());
    auto permit = co_await admit_upstream(ex, call.caller, call.method, i, id, call.deadline);
    if (!permit) co_return;
    bind_subject(*inbox, i, call.caller);
    auto req = call.request;
    req["id"] = "mcpgate-list-" + std::to_string(i);
    if (!(co_await call.upstreams[i]->begin(std::move(req), inbox, call.deadline))) continue;
    for (;;) {
      auto m = co_await inbox->pop(call.deadline);
      if (!m) break;
      if (m->contains("method")) continue;  // notifications during a list are not relayed
      auto* r = m->if_contains("result");
      if (!r || !r->is_object()) break;
      if (call.method == "tools/list") remember_hints(i, *m);
      filter_list(call, *m, i);
      r = m->if_contains("result");
      auto& ro = r->get_object();
      if (first_result.empty()) first_result = ro;
      auto* items = ro.if_contains(key);
      if (!items || !items->is_array()) break;
      for (auto& item : items->get_array()) {
        if (!item.is_object()) continue;
        auto copy = item.get_object();
        auto& prefix = cfg_.upstreams[i].prefix;
        if (key == "tools" || key == "prompts") {
          auto* n = copy.if_contains("name");
          if (!n || !n->is_string()) continue;
          copy["name"] = prefix + std::string(n->get_string());
        }
        merged.push_back(std::move(copy));
      }
      break;
    }
  }
  first_result[key] = std::move(merged);
  first_result.erase("nextCursor");
  auto reply = mcp::make_result(id, std::move(first_result));
  if (call.era == mcp::Era::modern) modernize_result(call.method, reply);
  co_await ex.respond(json_response(200, reply));
}

net::awaitable<void> McpEndpoint::forward(net::Exchange& ex, Call& call) {
  auto t0 = steady::now();
  json::value client_id = call.request["id"];
  // Routing across upstreams: names carry the upstream's prefix; lists are merged.
  std::size_t target = 0;
  bool judged = false;  // task methods are judged where they are routed
  if (mcp::is_task_method(call.method) || call.method == "tasks/result") {
    auto routed = route_task(call);
    if (!routed) {
      co_await ex.respond(std::move(routed.error()));
      co_return;
    }
    target = *routed;
    judged = true;
  } else if (call.upstreams.size() > 1) {
    if (is_list_method(call.method)) {
      co_await fan_out_list(ex, call);
      co_return;
    }
    std::string name;
    auto* params = call.request.if_contains("params");
    json::value* name_slot = nullptr;
    if (params && params->is_object()) {
      auto& po = params->get_object();
      if (call.method == "tools/call" || call.method == "prompts/get")
        name_slot = po.if_contains("name");
      else if (call.method == "completion/complete") {
        if (auto* ref = po.if_contains("ref"); ref && ref->is_object())
          name_slot = ref->get_object().if_contains("name");
      }
    }
    if (name_slot && name_slot->is_string()) {
      std::string n(name_slot->get_string());
      bool found = false;
      for (std::size_t i = 0; i < cfg_.upstreams.size(); ++i) {
        auto& prefix = cfg_.upstreams[i].prefix;
        if (n.starts_with(prefix)) {
          target = i;
          *name_slot = n.substr(prefix.size());
          found = true;
          break;
        }
      }
      if (!found) {
        auto status = call.era == mcp::Era::modern ? 400u : 200u;
        co_await ex.respond(rpc_error(status, client_id, mcp::code::invalid_params, "Unknown name: " + n));
        co_return;
      }
    } else if (call.method == "initialize" || call.method == "logging/setLevel") {
      // Every upstream must see these; the first one's answer is the client's.
      for (std::size_t i = 1; i < call.upstreams.size(); ++i) {
        auto inbox = std::make_shared<Inbox>(ex.executor());
        bind_subject(*inbox, i, call.caller);
        auto req = call.request;
        if (co_await call.upstreams[i]->begin(std::move(req), inbox, call.deadline)) {
          for (;;) {
            auto m = co_await inbox->pop(call.deadline);
            if (!m || !m->contains("method")) break;
          }
        }
      }
    }
  }

  // Policy, on the target as the body names it (never on Mcp-Name), before anything is sent; the
  // body then carries the canonical form that was judged (message_policy.hpp).
  if (!judged) {
    auto v =
        judge_request(*authorizer(), call.caller, call.request, call.method, cfg_.upstreams[target].name, hints_.get());
    record(call, v);
    if (v.refusal) {
      co_await ex.respond(std::move(*v.refusal));
      co_return;
    }
  }

  auto inbox = std::make_shared<Inbox>(ex.executor());
  if (call.era == mcp::Era::modern && call.method == "tools/call") {
    if (auto refusal = co_await check_tool_headers(ex, call, target)) {
      co_await ex.respond(std::move(*refusal));
      co_return;
    }
    inbox->forward_headers = param_headers_to_forward(ex.request());
  }
  inbox->request_id = call.request_id;
  bind_subject(*inbox, target, call.caller);
  auto& upstream = call.upstreams[target];
  // Bounded queueing behind the upstream's in-flight limit; a shed request is 503, never 502.
  auto permit = co_await admit_upstream(ex, call.caller, call.method, target, client_id, call.deadline);
  if (!permit) co_return;
  auto started = co_await upstream->begin(call.request, inbox, call.deadline);
  if (!started) {
    metrics_.error(ErrorReason::upstream_unavailable);
    auto res =
        rpc_error(502, client_id, mcp::code::upstream_unavailable, "Upstream unavailable: " + started.error().message);
    metrics_.request(502, std::chrono::duration<double>(steady::now() - t0).count());
    co_await ex.respond(std::move(res));
    co_return;
  }
  bool streaming = false;
  bool detached = false;  // the client went away; the stream is kept for resumption
  std::string stream_id;
  std::shared_ptr<ResumableStream> resumable;
  std::uint64_t seq = 0;
  auto write_event = [&](const json::object& m, bool final) -> net::awaitable<bool> {
    ++seq;
    if (resumable) resumable->record(seq, m, final);
    if (detached) co_return false;
    co_return co_await ex.write_chunk(net::format_sse(mcp::serialize(m), stream_id + "_" + std::to_string(seq)));
  };
  for (;;) {
    auto m = co_await inbox->pop(call.deadline);
    if (!m) {
      upstream->abandon(client_id);
      metrics_.error(ErrorReason::upstream_timeout);
      auto err = mcp::make_error(client_id, mcp::code::upstream_timeout, "Upstream did not answer in time");
      if (streaming) {
        co_await write_event(err, true);
        if (!detached) co_await ex.end_stream();
      } else {
        co_await ex.respond(json_response(504, err));
      }
      co_return;
    }
    bool is_reply = !m->contains("method") && m->contains("id");
    if (is_reply && mcp::id_key(m->at("id")) == mcp::id_key(client_id)) {
      permit->release();  // the upstream is done; a slow client must not hold its slot
      if (auto failure = inbox->failure()) {
        if (*failure == UpstreamFailure::session_expired) upstream_session_expired(call);
        if (!streaming) {
          co_await respond_failure(ex, call, *m, *failure, t0);
          co_return;
        }
      }
      if (call.translate_to_modern) modernize_result(call.method, *m);
      if (call.method == "tools/list") remember_hints(target, *m);
      if (is_list_method(call.method)) filter_list(call, *m, target);
      if (call.method == "tools/call") remember_task(call, target, *m);
      if (call.method == "tasks/list") filter_task_list(call, *m);
      unsigned status = call.era == mcp::Era::modern ? modern_status_for(*m) : 200;
      metrics_.request(status, std::chrono::duration<double>(steady::now() - t0).count());
      if (streaming) {
        co_await write_event(*m, true);
        if (!detached) co_await ex.end_stream();
        co_return;
      }
      auto res = json_response(status, *m);
      if (call.method == "initialize" && call.session) res.set("Mcp-Session-Id", call.session->id);
      co_await ex.respond(std::move(res));
      co_return;
    }
    bool server_request = m->contains("method") && m->contains("id");
    if (server_request && (call.era == mcp::Era::modern || !call.sse_ok)) {
      // 2026-07-28 forbids server requests on a response stream (MRTR instead), and a client that
      // takes no SSE cannot receive one: the upstream gets a refusal at once, not a timeout.
      auto refusal = mcp::make_error(m->at("id"), mcp::code::invalid_request, "The client cannot receive requests");
      co_await upstream->deliver(std::move(refusal), call.deadline);
      continue;
    }
    if (!call.sse_ok) continue;  // a JSON-only client gets the reply alone
    if (!streaming) {
      http::response<http::empty_body> head{http::status::ok, 11};
      head.set(http::field::content_type, "text/event-stream");
      head.set(http::field::cache_control, "no-cache");
      head.set("X-Accel-Buffering", "no");
      if (call.method == "initialize" && call.session) head.set("Mcp-Session-Id", call.session->id);
      if (!co_await ex.start_stream(std::move(head))) {
        upstream->abandon(client_id);
        co_return;
      }
      streaming = true;
      stream_id = system_random().token(9);
      if (!call.priming_version.empty() && call.session) {
        // 2025-11-25 transports: a priming event (an id, empty data) lets the client resume.
        resumable = call.session->open_stream(stream_id);
        co_await ex.write_chunk(net::format_sse("", stream_id + "_0"));
      }
    }
    if (!co_await write_event(*m, false) && !detached) {
      if (resumable) {
        // Legacy era with resumption: a disconnect is not a cancellation (2025-11-25
        // transports); keep receiving so that GET + Last-Event-ID can replay the rest.
        detached = true;
        continue;
      }
      // 2026-07-28: closing the stream is cancellation; tell the upstream.
      upstream->abandon(client_id);
      co_return;
    }
  }
}

net::awaitable<std::optional<net::Response>> McpEndpoint::check_tool_headers(net::Exchange& ex, Call& call,
                                                                             std::size_t target) {
  auto* params = call.request.if_contains("params");
  const json::object* po = params && params->is_object() ? &params->get_object() : nullptr;
  auto* name = po ? po->if_contains("name") : nullptr;
  if (!name || !name->is_string()) co_return std::nullopt;
  const auto& upstream = cfg_.upstreams[target].name;
  // The annotations come from the upstream's tools/list; a gateway that has not seen one yet asks
  // once, so that the check does not depend on whether some client listed the tools first.
  if (!hints_->params.listed(upstream)) co_await learn_tools(call, target);
  auto annotations = hints_->params.find(upstream, std::string(name->get_string()));
  // A tool the upstream does not list: nothing to hold the headers to here; they travel on and
  // the upstream, which processes the body, checks them.
  if (!annotations) co_return std::nullopt;
  if (auto problem = check_param_headers(ex.request(), *annotations, po)) {
    metrics_.error(ErrorReason::header_mismatch);
    co_return rpc_error(400, call.request["id"], mcp::code::header_mismatch, problem->message);
  }
  co_return std::nullopt;
}

net::awaitable<void> McpEndpoint::learn_tools(Call& call, std::size_t target) {
  auto inbox = std::make_shared<Inbox>(co_await asio::this_coro::executor);
  bind_subject(*inbox, target, call.caller);
  json::object meta;
  meta[mcp::kMetaProtocolVersion] = mcp::kRev20260728;
  meta[mcp::kMetaClientCapabilities] = json::object();
  json::object params;
  params["_meta"] = std::move(meta);
  bool learned = false;
  if (co_await call.upstreams[target]->begin(mcp::make_request("mcpgate-tools", "tools/list", std::move(params)), inbox,
                                             call.deadline)) {
    for (;;) {
      auto m = co_await inbox->pop(call.deadline);
      if (!m) break;
      if (m->contains("method")) continue;
      if (!inbox->failure()) {
        remember_hints(target, *m);
        learned = hints_->params.listed(cfg_.upstreams[target].name);
      }
      break;
    }
  }
  // Asked once: an upstream that cannot list its tools is not asked again on every call.
  if (!learned)
    hints_->params.remember(cfg_.upstreams[target].name,
                            mcp::make_result(nullptr, json::object{{"tools", json::array()}}));
}

void McpEndpoint::upstream_session_expired(const Call& call) {
  if (call.session) {
    // The client's session cannot go on without the upstream's: it ends here too, and the client
    // is told so (below), so that it opens a new one.
    if (sessions_.erase(call.session->id)) {
      call.session->close();
      metrics_.session_closed();
    }
    return;
  }
  // The gateway's shared session for stateless clients: the next request probes and initializes
  // again (the old upstream sessions end when the requests still using them finish).
  std::lock_guard lock(shared_mutex_);
  shared_ready_ = false;
}

net::awaitable<void> McpEndpoint::respond_failure(net::Exchange& ex, const Call& call, const json::object& error,
                                                  UpstreamFailure failure, steady::time_point t0) {
  json::value id = call.request.contains("id") ? call.request.at("id") : json::value();
  if (failure == UpstreamFailure::session_expired && call.session) {
    // 2025-11-25 transports, "Session Management": a 404 to a request with Mcp-Session-Id tells
    // the client to start a new session with initialize.
    metrics_.error(ErrorReason::unknown_session);
    co_await ex.respond(rpc_error(404, id, -32001, "Session not found: the upstream ended it"));
    co_return;
  }
  if (call.method == "initialize" && call.session && sessions_.erase(call.session->id)) {
    // No session id goes out with a failed initialize: keeping the session would only leak it.
    call.session->close();
    metrics_.session_closed();
  }
  if (failure == UpstreamFailure::at_capacity) {
    // A limit, not an upstream failure: 503 with Retry-After, counted and audited as a refusal.
    metrics_.refusal(RefusalReason::children_limit);
    metrics_.error(ErrorReason::overloaded);
    metrics_.request(503, std::chrono::duration<double>(steady::now() - t0).count());
    std::string upstream;
    if (auto* e = error.if_contains("error"); e && e->is_object())
      if (auto* d = e->get_object().if_contains("data"); d && d->is_object())
        if (auto* u = d->get_object().if_contains("upstream"); u && u->is_string()) upstream = u->get_string();
    audit_limit(ex, call.caller, call.method, upstream, "children_limit");
    auto res = json_response(503, error);
    res.set(http::field::retry_after, std::to_string(kOverloadRetryAfterSeconds));
    co_await ex.respond(std::move(res));
    co_return;
  }
  if ((failure == UpstreamFailure::credentials || failure == UpstreamFailure::unauthorized) && audit_.enabled()) {
    // No credential could be obtained for the upstream (nothing reached it), or the upstream
    // refused the one it got, fresh or not: the reason names the error, never a token.
    AuditRecord r;
    r.request_id = call.request_id;
    r.endpoint = cfg_.path;
    if (call.caller.principal) {
      r.issuer = call.caller.principal->issuer;
      r.subject = call.caller.principal->subject;
      r.client = call.caller.principal->client_id.value_or("");
    }
    r.method = call.method;
    r.decision = "failed";
    r.rule = "credentials";
    auto* m = error.if_contains("error");
    auto* msg = m && m->is_object() ? m->get_object().if_contains("message") : nullptr;
    r.reason = msg && msg->is_string() ? std::string(msg->get_string()) : std::string();
    r.latency_ms = std::chrono::duration<double, std::milli>(steady::now() - call.started).count();
    audit_.write(r);
  }
  // The upstream failed, it did not answer: 502 (504 when it did not answer in time), whichever
  // era, so that no client, cache or retry logic takes it for the upstream's reply.
  unsigned status = failure == UpstreamFailure::timeout ? 504 : 502;
  metrics_.error(failure == UpstreamFailure::timeout ? ErrorReason::upstream_timeout
                                                     : ErrorReason::upstream_unavailable);
  metrics_.request(status, std::chrono::duration<double>(steady::now() - t0).count());
  co_await ex.respond(json_response(status, error));
}

net::awaitable<void> McpEndpoint::relay_notification(net::Exchange& ex, const Caller& caller, mcp::Message msg,
                                                     const std::vector<std::shared_ptr<UpstreamSession>>& upstreams,
                                                     Deadline deadline) {
  // Judged for each upstream (rules may name upstreams); delivered only where allowed.
  auto authz = authorizer();
  Call call;
  call.request_id = ex.request_id();
  call.caller = caller;
  call.method = std::string(msg.method());
  std::optional<net::Response> refusal;
  bool delivered = false;
  for (std::size_t i = 0; i < upstreams.size(); ++i) {
    auto v = judge_notification(*authz, caller, msg.body, call.method, cfg_.upstreams[i].name);
    record(call, v);
    if (v.refusal) {
      if (!refusal) refusal = std::move(v.refusal);
      if (v.malformed) break;
      continue;
    }
    co_await upstreams[i]->deliver(msg.body, deadline);
    delivered = true;
  }
  if (!delivered && refusal) {
    if (refusal->result() == http::status::bad_request) metrics_.error(ErrorReason::bad_request);
    co_await ex.respond(std::move(*refusal));
    co_return;
  }
  co_await ex.respond(empty_response(202));
}

net::awaitable<void> McpEndpoint::refuse_baseline(net::Exchange& ex, const Caller& caller, std::string method) {
  Call call;
  call.request_id = ex.request_id();
  call.caller = caller;
  call.method = std::move(method);
  policy::Decision d;
  d.outcome = policy::Outcome::insufficient_scope;
  d.rule = "required_scopes";
  d.reason = "missing a required scope of the endpoint";
  audit(call, policy::Target{}, d);
  metrics_.decision(2);
  co_await ex.respond(authorizer()->baseline_refusal());
}

net::awaitable<void> McpEndpoint::handle_get(net::Exchange& ex, const Caller& caller) {
  auto& req = ex.request();
  auto version = trim_ows(header(req, "MCP-Protocol-Version"));
  auto session_id = header(req, "Mcp-Session-Id");
  if ((!version.empty() && !mcp::is_legacy_revision(version)) || session_id.empty()) {
    metrics_.error(ErrorReason::method_not_allowed);
    auto res = rpc_error(405, nullptr, mcp::code::invalid_request,
                         session_id.empty() ? "Method not allowed: GET needs an Mcp-Session-Id" : "Method not allowed");
    res.set(http::field::allow, "POST");
    co_await ex.respond(std::move(res));
    co_return;
  }
  auto session = find_session(session_id, caller);
  if (!session) {
    metrics_.error(ErrorReason::unknown_session);
    co_await ex.respond(rpc_error(404, nullptr, -32001, "Session not found"));
    co_return;
  }
  if (!parse_accept(header(req, "Accept")).sse) {
    metrics_.error(ErrorReason::not_acceptable);
    co_await ex.respond(rpc_error(406, nullptr, mcp::code::invalid_request, "Accept must include text/event-stream"));
    co_return;
  }
  if (auto last = header(req, "Last-Event-ID"); !last.empty()) {
    co_await resume_stream(ex, *session, std::string(last));
    co_return;
  }
  auto inbox = std::make_shared<Inbox>(ex.executor());
  {
    std::lock_guard lock(session->mutex);
    // One standalone stream per session: a new GET replaces the old one.
    if (session->listener) session->listener->close("replaced by a newer stream");
    session->listener = inbox;
  }
  for (auto& u : session->upstreams) u->set_listener(inbox);
  http::response<http::empty_body> head{http::status::ok, 11};
  head.set(http::field::content_type, "text/event-stream");
  head.set(http::field::cache_control, "no-cache");
  head.set("X-Accel-Buffering", "no");
  if (!co_await ex.start_stream(std::move(head))) co_return;
  std::string stream_id = system_random().token(9);
  std::uint64_t seq = 0;
  for (;;) {
    auto m = co_await inbox->pop(steady::now() + std::chrono::seconds(15));
    if (!m) {
      if (inbox->closed()) break;
      // Keep-alive comment: also how a vanished client is noticed on an idle stream.
      if (!co_await ex.write_chunk(": keep-alive\n\n")) break;
      session->last_used_ms = now_ms();
      continue;
    }
    if (!co_await ex.write_chunk(net::format_sse(mcp::serialize(*m), stream_id + "_" + std::to_string(++seq)))) break;
  }
  inbox->close("stream closed");
  co_await ex.end_stream();
}

net::awaitable<void> McpEndpoint::resume_stream(net::Exchange& ex, FrontSession& session, std::string last_event_id) {
  // Event ids are "<stream>_<sequence>": only that stream is replayed, never another one's events.
  auto sep = last_event_id.rfind('_');
  std::shared_ptr<ResumableStream> stream;
  std::uint64_t after = 0;
  if (sep != std::string::npos) {
    stream = session.find_stream(last_event_id.substr(0, sep));
    after = std::strtoull(last_event_id.c_str() + sep + 1, nullptr, 10);
  }
  if (!stream) {
    metrics_.error(ErrorReason::bad_request);
    co_await ex.respond(rpc_error(404, nullptr, mcp::code::invalid_request, "Unknown Last-Event-ID"));
    co_return;
  }
  std::string stream_id = last_event_id.substr(0, sep);
  auto follower = std::make_shared<Inbox>(ex.executor());
  std::vector<std::pair<std::uint64_t, json::object>> backlog;
  bool done;
  {
    std::lock_guard lock(stream->mutex);
    for (auto& e : stream->events)
      if (e.first > after) backlog.push_back(e);
    done = stream->done;
    if (!done) {
      if (stream->follower) stream->follower->close("replaced by a newer resumption");
      stream->follower = follower;
    }
  }
  http::response<http::empty_body> head{http::status::ok, 11};
  head.set(http::field::content_type, "text/event-stream");
  head.set(http::field::cache_control, "no-cache");
  head.set("X-Accel-Buffering", "no");
  if (!co_await ex.start_stream(std::move(head))) co_return;
  for (auto& [seq, m] : backlog)
    if (!co_await ex.write_chunk(net::format_sse(mcp::serialize(m), stream_id + "_" + std::to_string(seq)))) co_return;
  while (!done) {
    auto w = co_await follower->pop(steady::now() + std::chrono::seconds(15));
    if (!w) {
      if (follower->closed()) break;
      if (!co_await ex.write_chunk(": keep-alive\n\n")) co_return;
      continue;
    }
    auto seq = w->at("seq").to_number<std::uint64_t>();
    if (seq <= after) continue;
    if (!co_await ex.write_chunk(
            net::format_sse(mcp::serialize(w->at("message")), stream_id + "_" + std::to_string(seq))))
      co_return;
  }
  co_await ex.end_stream();
}

net::awaitable<void> McpEndpoint::handle_delete(net::Exchange& ex, const Caller& caller) {
  auto& req = ex.request();
  auto version = trim_ows(header(req, "MCP-Protocol-Version"));
  auto session_id = header(req, "Mcp-Session-Id");
  if ((!version.empty() && !mcp::is_legacy_revision(version)) || session_id.empty()) {
    metrics_.error(ErrorReason::method_not_allowed);
    auto res = rpc_error(405, nullptr, mcp::code::invalid_request, "Method not allowed");
    res.set(http::field::allow, "POST");
    co_await ex.respond(std::move(res));
    co_return;
  }
  auto session = find_session(session_id, caller) ? sessions_.erase(std::string(session_id)) : nullptr;
  if (!session) {
    metrics_.error(ErrorReason::unknown_session);
    co_await ex.respond(rpc_error(404, nullptr, -32001, "Session not found"));
    co_return;
  }
  session->close();
  metrics_.session_closed();
  co_await ex.respond(empty_response(200));
}

}  // namespace mcpgate::gateway
