#pragma once
// One protected MCP endpoint (e.g. /mcp): the front door for both protocol eras, in front of
// one or more upstreams.
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "config/gateway_config.hpp"
#include "gateway/admission.hpp"
#include "gateway/audit_log.hpp"
#include "gateway/authorizer.hpp"
#include "gateway/ended_sessions.hpp"
#include "gateway/in_flight_calls.hpp"
#include "gateway/list_text.hpp"
#include "gateway/message_policy.hpp"
#include "gateway/metrics.hpp"
#include "gateway/principal_children.hpp"
#include "gateway/principal_limits.hpp"
#include "gateway/session.hpp"
#include "gateway/session_seal.hpp"
#include "gateway/task_registry.hpp"
#include "mcp/jsonrpc.hpp"
#include "net/http_server.hpp"

namespace mcpgate::gateway {

class Router;

class McpEndpoint {
 public:
  // `credentials`: one per upstream (null: none), what the gateway presents to it. `sessions`: the
  // keys that seal legacy session ids (none: a random key of this process).
  McpEndpoint(const config::Endpoint& cfg, const config::Limits& limits, Metrics& metrics,
              std::vector<net::asio::any_io_executor> executors, std::shared_ptr<const Authorizer> authorizer,
              AuditLog& audit, boost::asio::thread_pool& blocking,
              std::vector<std::shared_ptr<exchange::UpstreamCredentials>> credentials = {},
              std::shared_ptr<SharedRateStore> shared_rates = nullptr,
              const config::Sessions& sessions = config::Sessions{});

  // Reload: requests already running keep the authorizer they started with.
  void set_authorizer(std::shared_ptr<const Authorizer> a) { std::atomic_store(&authorizer_, std::move(a)); }
  std::shared_ptr<const Authorizer> authorizer() const { return std::atomic_load(&authorizer_); }
  ~McpEndpoint();

  const std::string& path() const { return cfg_.path; }
  net::awaitable<void> handle(net::Exchange& ex);
  // Ends idle sessions (their upstream children stop).
  void reap_idle_sessions();
  void shutdown();
  // Drain (endpoint_drain.cpp): ends the open GET streams (their clients reconnect elsewhere),
  // and at the grace deadline answers the calls still waiting with an error; returns how many.
  void end_streams();
  std::size_t cut_in_flight();

 private:
  struct Call;
  net::awaitable<void> handle_post(net::Exchange& ex, const Caller& caller);
  net::awaitable<void> handle_get(net::Exchange& ex, const Caller& caller);
  net::awaitable<void> handle_delete(net::Exchange& ex, const Caller& caller);
  // The caller's session with this id: held here, or continued from its sealed id
  // (endpoint_sealed.cpp); else the refusal (404 for an unknown, ended, expired or other
  // principal's session, alike; 429 when continuing it would pass the principal's quota).
  [[nodiscard]] expected<std::shared_ptr<FrontSession>, Refusal> find_session(std::string_view id, const Caller& caller,
                                                                              const json::value& rpc_id);
  [[nodiscard]] expected<std::shared_ptr<FrontSession>, Refusal> continue_session(std::string_view id,
                                                                                  const Caller& caller,
                                                                                  const json::value& rpc_id);
  // Once the upstreams answered initialize: the session's sealed id replaces its provisional one.
  void seal_session(const Call& call);
  // A session that ends here stays ended here (its sealed id would otherwise open again).
  void end_session(const FrontSession& s);
  // `text`: the upstream's text of `reply` (Inbox::take_text), kept in step with every change
  // made to `reply`, or emptied when it cannot be.
  // `layout`: where the list lies in `text`, when known (list_text.hpp).
  void filter_list(Call& call, json::object& reply, std::size_t upstream_index, std::string& text,
                   const ListText* layout = nullptr);
  // `result_text`: the upstream's text of the reply's result, when it has one (a list learnt from
  // before is skipped).
  void remember_hints(std::size_t upstream_index, const json::object& reply, std::string_view result_text = {});
  // Whether `result_text` is, byte for byte, the result of the tools/list learnt last from that
  // upstream.
  bool hints_learnt(std::size_t upstream_index, std::string_view result_text) const;
  // The list stages of a single upstream's reply (tool hints, the filter). `skeleton`: `reply` is
  // the skeleton of `text` (Inbox::took_skeleton), judged as it is unless the items are needed
  // whole (`whole_needed`, hints to learn, a text the filter cannot follow): then the reply is
  // parsed whole from `text` first, and judged as any other.
  void judge_list(Call& call, json::object& reply, std::size_t upstream_index, std::string& text, bool skeleton,
                  bool whole_needed);
  // When a call routed to upstream `index` must have its answer: that upstream's
  // request_timeout_ms from the call's start (the deadline set on arrival is the first upstream's,
  // before the call is routed).
  Deadline deadline_for(const Call& call, std::size_t index) const;
  AuditRecord audit_record(const Call& call) const;  // who, where, which request, how long so far
  void audit(const Call& call, const policy::Target& target, const policy::Decision& d);
  void record(const Call& call, const Verdict& v);  // audit and count every decision of a verdict
  // A refusal of any stage (gateway/refusal.hpp), answered, counted and audited for this request
  // (`caller` null before authentication; `method` and `target` empty when not read).
  [[nodiscard]] net::Response answer_refusal(const net::Exchange& ex, const Caller* caller, std::string_view method,
                                             const Refusal& r, std::string_view target = {});
  // A legacy client's notifications/cancelled, resolved to its session's own calls.
  net::awaitable<void> cancel_call(const FrontSession& session, json::object notification, Deadline deadline);
  net::awaitable<void> relay_notification(net::Exchange& ex, const Caller& caller, mcp::Message msg,
                                          const std::vector<std::shared_ptr<UpstreamSession>>& upstreams,
                                          Deadline deadline);
  net::awaitable<void> refuse_baseline(net::Exchange& ex, const Caller& caller, std::string method);
  net::awaitable<void> resume_stream(net::Exchange& ex, FrontSession& session, std::string last_event_id);
  net::awaitable<void> legacy_initialize(net::Exchange& ex, mcp::Message msg, bool sse_ok, const Caller& caller);
  net::awaitable<void> legacy_message(net::Exchange& ex, std::shared_ptr<FrontSession> s, mcp::Message msg, bool sse_ok,
                                      const Caller& caller);
  net::awaitable<void> modern_message(net::Exchange& ex, mcp::Message msg, bool sse_ok, const Caller& caller);
  net::awaitable<void> forward(net::Exchange& ex, Call& call);
  // 2026-07-28 tools/call: Mcp-Param-* against the body (a refusal), learning the tool's
  // annotations from the upstream's tools/list when none was seen yet.
  net::awaitable<std::optional<net::Response>> check_tool_headers(net::Exchange& ex, Call& call, std::size_t target);
  net::awaitable<void> learn_tools(Call& call, std::size_t target);
  // An upstream failed the request (it did not answer it): the client's error, and what ends.
  void upstream_session_expired(const Call& call);
  net::awaitable<void> respond_failure(net::Exchange& ex, const Call& call, const json::value& id,
                                       const json::object& error, UpstreamFailure failure,
                                       std::chrono::steady_clock::time_point t0);
  json::object synthesized_discover();
  net::awaitable<void> fan_out_list(net::Exchange& ex, Call& call);

  // Tasks (endpoint_tasks.cpp): bound to the principal whose tools/call created them.
  // The upstream holding the task a task method names, judged as a tools/call of its tool; or
  // the refusal to answer.
  [[nodiscard]] expected<std::size_t, net::Response> route_task(Call& call);
  // `tool`: the tools/call's name as judged (canonical, without the upstream's prefix).
  void remember_task(const Call& call, std::size_t upstream_index, std::string_view tool, const json::object& reply);
  bool filter_task_list(const Call& call, json::object& reply);  // tasks/list of 2025-11-25; true: changed

  // Limits (endpoint_limits.cpp). Each answers the refusal itself and returns an empty value.
  net::awaitable<std::optional<PrincipalLimiter::Slot>> admit_request(net::Exchange& ex, const Caller& caller,
                                                                      const mcp::Message& msg);
  net::awaitable<std::optional<PrincipalLimiter::Slot>> admit_session(net::Exchange& ex, const Caller& caller,
                                                                      const json::value& id);
  // A slot at upstream `index`, or nullopt: shed (answered here), or `abandoned` (the wait was
  // stopped through `stop`: the caller answers, if anyone is left to answer).
  net::awaitable<std::optional<Admission::Permit>> admit_upstream(net::Exchange& ex, const Caller& caller,
                                                                  const std::string& method, std::size_t index,
                                                                  const json::value& id, Deadline deadline,
                                                                  net::asio::cancellation_slot stop = {},
                                                                  bool* abandoned = nullptr);
  void audit_limit(const net::Exchange& ex, const Caller& caller, std::string_view method, std::string_view target,
                   std::string_view reason);
  // The audit record's who and what for a request not (yet) in a Call.
  AuditRecord audit_record(const net::Exchange& ex, const Caller* caller, std::string_view method,
                           std::string_view target) const;

  // `principal`: whose children a stdio upstream in mode per_principal reaches (Caller::key()).
  StdioOptions stdio_options(std::size_t index, std::string label) const;
  // `resume`: the session is continued from a sealed id; an HTTP upstream goes on with its session
  // id, a stdio child is given the client's initialize (`handshake`) before anything else.
  struct Resume {
    const boost::json::object* handshake = nullptr;
    UpstreamResumption upstream;
  };
  std::shared_ptr<UpstreamSession> make_upstream(std::size_t index, bool shared, const std::string& principal = {},
                                                 const Resume* resume = nullptr);
  // The client a request to upstream `index` is made for, when its token is exchanged there.
  void bind_subject(Inbox& inbox, std::size_t index, const Caller& caller) const;
  [[nodiscard]] net::awaitable<Result<void>> ensure_modern_upstreams(Deadline deadline);
  net::asio::any_io_executor next_executor();

  struct Hints;
  std::unique_ptr<Hints> hints_;
  std::shared_ptr<const Authorizer> authorizer_;
  AuditLog& audit_;
  boost::asio::thread_pool& blocking_;
  config::Endpoint cfg_;
  config::Limits limits_;
  Metrics& metrics_;
  std::vector<net::asio::any_io_executor> executors_;
  std::atomic<std::size_t> next_executor_{0};
  SessionStore sessions_;
  std::unique_ptr<SessionSealer> sealer_;
  EndedSessions ended_;
  InFlightCalls in_flight_;
  std::shared_ptr<PrincipalLimiter> limiter_;
  TaskRegistry tasks_;
  std::vector<std::shared_ptr<Admission>> admissions_;
  std::vector<std::shared_ptr<exchange::UpstreamCredentials>>
      credentials_;  // per upstream  // one per upstream, shared by its sessions
  std::atomic<std::uint64_t> session_counter_{0};
  // Per upstream: its children when it is a stdio upstream in mode per_principal, else null.
  std::vector<std::shared_ptr<PrincipalChildren>> children_;

  // Stateless (2026-07-28) clients share one upstream session per upstream, opened on first use.
  struct Shared {
    std::shared_ptr<UpstreamSession> session;
    bool modern = false;             // the upstream speaks 2026-07-28 itself
    json::object initialize_result;  // when it does not: what discover is built from
  };
  std::mutex shared_mutex_;
  std::vector<Shared> shared_;
  bool shared_ready_ = false;
  bool probing_ = false;
};

}  // namespace mcpgate::gateway
