#include "gateway/endpoint.hpp"

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/random.hpp"
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

McpEndpoint::McpEndpoint(const config::Endpoint& cfg, const config::Limits& limits, Metrics& metrics,
                         std::vector<asio::any_io_executor> executors, std::shared_ptr<const Authorizer> authorizer,
                         AuditLog& audit, boost::asio::thread_pool& blocking,
                         std::vector<std::shared_ptr<exchange::UpstreamCredentials>> credentials,
                         std::shared_ptr<SharedRateStore> shared_rates, const config::Sessions& sessions)
    : hints_(std::make_unique<Hints>()),
      authorizer_(std::move(authorizer)),
      audit_(audit),
      blocking_(blocking),
      cfg_(cfg),
      limits_(limits),
      metrics_(metrics),
      executors_(std::move(executors)),
      sessions_(limits.max_sessions),
      ended_(4 * limits.max_sessions),
      limiter_(PrincipalLimiter::create(limits.per_principal, std::move(shared_rates))),
      tasks_(limits.tasks.max_tasks, limits.tasks.max_per_principal, limits.tasks.max_ttl) {
  shared_.resize(cfg_.upstreams.size());
  {
    std::vector<SealingKey> keys;
    for (auto& k : sessions.sealing_keys) keys.push_back({k.id, Secret(k.secret)});
    // Bound to the resource the endpoint's tokens name: an id sealed for one endpoint never opens
    // at another, even where replicas share keys across endpoints.
    sealer_ = std::make_unique<SessionSealer>(keys, cfg_.auth.resource.empty() ? cfg_.path : cfg_.auth.resource,
                                              sessions.max_age);
  }
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

AuditRecord McpEndpoint::audit_record(const Call& call) const {
  AuditRecord r;
  r.request_id = call.request_id;
  r.endpoint = cfg_.path;
  if (call.caller.principal) {
    r.issuer = call.caller.principal->issuer;
    r.subject = call.caller.principal->subject;
    r.client = call.caller.principal->client_id.value_or("");
  }
  r.method = call.method;
  r.latency_ms = std::chrono::duration<double, std::milli>(steady::now() - call.started).count();
  return r;
}

void McpEndpoint::audit(const Call& call, const policy::Target& target, const policy::Decision& d) {
  if (!audit_.enabled()) return;
  AuditRecord r = audit_record(call);
  r.target = target.name;
  r.decision = d.outcome == policy::Outcome::allow ? "allow" : d.shadowed ? "shadow-deny" : "deny";
  r.rule = d.rule;
  r.reason = d.reason;
  audit_.write(r);
}

AuditRecord McpEndpoint::audit_record(const net::Exchange& ex, const Caller* caller, std::string_view method,
                                      std::string_view target) const {
  AuditRecord r;
  r.request_id = ex.request_id();
  r.endpoint = cfg_.path;
  if (caller && caller->principal) {
    r.issuer = caller->principal->issuer;
    r.subject = caller->principal->subject;
    r.client = caller->principal->client_id.value_or("");
  }
  r.method = std::string(method);
  r.target = std::string(target);
  return r;
}

net::Response McpEndpoint::answer_refusal(const net::Exchange& ex, const Caller* caller, std::string_view method,
                                          const Refusal& r, std::string_view target) {
  return refuse(r, metrics_, audit_, audit_record(ex, caller, method, target));
}

void McpEndpoint::record(const Call& call, const Verdict& v) {
  for (auto& j : v.judged) {
    audit(call, j.target, j.decision);
    metrics_.decision(j.decision.outcome == policy::Outcome::allow ? 0 : j.decision.shadowed ? 1 : 2);
  }
}

void McpEndpoint::shutdown() {
  for (auto& s : sessions_.take_all()) {
    // A replica stopping (a rolling restart) is not the client ending its session: with shared
    // keys another replica continues it, in the same upstream sessions.
    s->close(sealer_->shared() && s->expires);
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
    end_session(*s);
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
                                                            const std::string& principal, const Resume* resume) {
  auto& u = cfg_.upstreams[index];
  std::string label = cfg_.name + "/" + u.name + (shared ? "[shared]" : "");
  if (children_[index]) {
    // The principal's next child is handshaken with this client's initialize (a running one
    // already was, by the client that started it).
    if (resume && resume->handshake && !shared) children_[index]->remember_handshake(principal, *resume->handshake);
    return children_[index]->route(shared ? std::string(kGatewayPrincipal) : principal);
  }
  if (u.stdio) {
    auto o = stdio_options(index, label);
    if (resume && resume->handshake) o.handshake = *resume->handshake;
    return std::make_shared<StdioUpstream>(next_executor(), std::move(o), &metrics_);
  }
  HttpOptions o;
  o.http = *u.http;
  o.name = u.name;
  o.label = label;
  o.tag = std::to_string(index);
  o.max_in_flight = 2 * u.max_concurrent_requests;  // a backstop: admit_upstream is the limit
  o.credentials = credentials_[index];
  auto h = std::make_shared<HttpUpstream>(next_executor(), std::move(o));
  if (resume) h->resume(resume->upstream);
  return h;
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
    // Audited with the reason's name ("expired", "bad_signature"), never the token or its claims.
    auto res = answer_refusal(ex, nullptr, {}, auth_refusal(caller.error()));
    // The challenge names the error code and a fixed description, never the token presented.
    if (log::enabled(log::Level::debug))  // no copy of the challenge on every refusal otherwise
      log::debug("request refused: unauthenticated", {{"request_id", ex.request_id()},
                                                      {"endpoint", cfg_.path},
                                                      {"challenge", std::string(res[http::field::www_authenticate])}});
    co_await ex.respond(std::move(res));
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
      auto r = front_door_refusal(mcp::front::method_not_allowed());
      r.allow = "GET, POST, DELETE, OPTIONS";
      auto res = answer_refusal(ex, &*caller, {}, r);
      co_await ex.respond(std::move(res));
    }
  }
}

net::awaitable<void> McpEndpoint::handle_post(net::Exchange& ex, const Caller& caller) {
  // The front door (mcp/http_front), shared with the server library: media types, then the body.
  auto& req = ex.request();
  auto accepts = mcp::front::check_post_headers(req);
  if (!accepts) {
    {
      auto res = answer_refusal(ex, &caller, {}, front_door_refusal(accepts.error()));
      co_await ex.respond(std::move(res));
    }
    co_return;
  }
  auto msg = mcp::front::parse_message(req.body(), {64, limits_.max_body_bytes});
  if (!msg) {
    {
      auto res = answer_refusal(ex, &caller, {}, front_door_refusal(msg.error()));
      co_await ex.respond(std::move(res));
    }
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
  bool modern = mcp::front::era_of(req, *msg) == mcp::Era::modern;
  auto session_id = header(req, "Mcp-Session-Id");
  if (modern) {
    co_await modern_message(ex, std::move(*msg), accepts->sse, caller);
    co_return;
  }
  if (session_id.empty()) {
    if (msg->is_request() && msg->method() == "initialize") {
      co_await legacy_initialize(ex, std::move(*msg), accepts->sse, caller);
      co_return;
    }
    auto id = id_of(*msg);
    auto res = answer_refusal(ex, &caller, msg->method(), front_door_refusal(mcp::front::session_required(id)));
    co_await ex.respond(std::move(res));
    co_return;
  }
  auto rpc_id = id_of(*msg);
  auto session = find_session(session_id, caller, rpc_id);
  if (!session) {
    auto res = answer_refusal(ex, &caller, msg->method(), session.error());
    co_await ex.respond(std::move(res));
    co_return;
  }
  co_await legacy_message(ex, std::move(*session), std::move(*msg), accepts->sse, caller);
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
  auto res = answer_refusal(ex, &caller, method, auth_refusal(authorizer()->baseline_refusal(), Stage::scope_baseline));
  co_await ex.respond(std::move(res));
}

}  // namespace mcpgate::gateway
