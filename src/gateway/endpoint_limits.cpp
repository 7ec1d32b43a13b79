// The endpoint's limits: per-principal quotas and rates before any work is done for a request,
// and admission in front of each upstream. Every refusal is answered here, counted in /metrics
// and written to the audit log with its reason.
#include "gateway/endpoint.hpp"
#include "gateway/limit_refusal.hpp"
#include "mcp/protocol.hpp"
#include "net/run_on.hpp"

namespace mcpgate::gateway {
using steady = std::chrono::steady_clock;

namespace {

// The tool of a tools/call, as the client names it: the per-tool rate applies to that name.
std::string_view tool_of(const mcp::Message& msg) {
  if (!msg.is_request() || msg.method() != "tools/call") return {};
  auto* p = msg.params();
  if (!p) return {};
  auto* n = p->if_contains("name");
  return n && n->is_string() ? std::string_view(n->get_string()) : std::string_view();
}

}  // namespace

void McpEndpoint::audit_limit(const net::Exchange& ex, const Caller& caller, std::string_view method,
                              std::string_view target, std::string_view reason) {
  if (!audit_.enabled()) return;
  AuditRecord r = audit_record(ex, &caller, method, target);
  r.decision = "limited";
  r.reason = std::string(reason);
  audit_.write(r);
}

net::awaitable<std::optional<PrincipalLimiter::Slot>> McpEndpoint::admit_request(net::Exchange& ex,
                                                                                 const Caller& caller,
                                                                                 const mcp::Message& msg) {
  // Anonymous callers have no principal to be fair between (see docs/configuration.md).
  if (!caller.principal) co_return PrincipalLimiter::Slot();
  // The client's answer to a server request completes work already admitted: refusing it could
  // only leave that work stuck (and the gateway accepts only answers to requests it relayed).
  if (msg.is_reply()) co_return PrincipalLimiter::Slot();
  auto tool = tool_of(msg);
  // Not a conditional expression around the co_await: g++ 12 miscompiles some (see below).
  expected<PrincipalLimiter::Slot, Refused> slot;
  // begin_request on the blocking pool when buckets are shared: it waits on a round trip to Redis.
  if (limiter_->shared(tool))
    slot = co_await net::run_on(blocking_.get_executor(), [&] {
      return limiter_->begin_request(caller.key(), tool, steady::now(), msg.is_request());
    });
  else
    slot = limiter_->begin_request(caller.key(), tool, steady::now(), msg.is_request());
  if (slot) co_return std::move(*slot);
  // Named first: g++ 12 miscompiles a conditional yielding a json::value temporary inside a
  // co_await expression (see id_of in endpoint.cpp).
  json::value id = msg.id() ? *msg.id() : json::value();
  auto res = answer_refusal(ex, &caller, msg.method(), quota_refusal(slot.error(), id), tool);
  co_await ex.respond(std::move(res));
  co_return std::nullopt;
}

net::awaitable<std::optional<PrincipalLimiter::Slot>> McpEndpoint::admit_session(net::Exchange& ex,
                                                                                 const Caller& caller,
                                                                                 const json::value& id) {
  if (!caller.principal) co_return PrincipalLimiter::Slot();
  auto slot = limiter_->open_session(caller.key(), steady::now());
  if (slot) co_return std::move(*slot);
  auto res = answer_refusal(ex, &caller, "initialize", quota_refusal(slot.error(), id));
  co_await ex.respond(std::move(res));
  co_return std::nullopt;
}

net::awaitable<std::optional<Admission::Permit>> McpEndpoint::admit_upstream(
    net::Exchange& ex, const Caller& caller, const std::string& method, std::size_t index, const json::value& id,
    Deadline deadline, net::asio::cancellation_slot stop, bool* abandoned) {
  auto permit = co_await admissions_[index]->acquire(deadline, stop);
  if (permit) co_return std::move(*permit);
  if (permit.error() == Shed::abandoned) {  // the caller answers (cancelled), or nobody is left to
    if (abandoned) *abandoned = true;
    co_return std::nullopt;
  }
  auto res = answer_refusal(ex, &caller, method, overload_refusal(permit.error(), id), cfg_.upstreams[index].name);
  co_await ex.respond(std::move(res));
  co_return std::nullopt;
}

}  // namespace mcpgate::gateway
