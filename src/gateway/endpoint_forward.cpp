// One request on its way to an upstream and back: routing by prefix, the policy, admission, the
// reply relayed as JSON or an SSE stream (with resumption), and the answer when the upstream failed.
#include "core/json.hpp"
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

Deadline McpEndpoint::deadline_for(const Call& call, std::size_t index) const {
  return call.started + cfg_.upstreams[index].request_timeout;
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
        auto deadline = deadline_for(call, i);
        if (co_await call.upstreams[i]->begin(std::move(req), inbox, deadline)) {
          for (;;) {
            auto m = co_await inbox->pop(deadline);
            if (!m || !m->contains("method")) break;
          }
        }
      }
    }
  }

  call.deadline = deadline_for(call, target);

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
  // A list reply that is relayed as the upstream wrote it is judged by one member per item: its
  // items need not be built (judge_list builds them when a stage needs them).
  if (is_list_method(call.method) && !call.translate_to_modern)
    inbox->skeleton_list = JsonSkeletonPath{"result", list_key(call.method), list_item_key(call.method)};
  bind_subject(*inbox, target, call.caller);
  auto& upstream = call.upstreams[target];
  // A drain's grace deadline answers this call if it is still waiting then (endpoint_drain.cpp).
  auto in_flight = in_flight_.track(inbox, client_id, upstream, call.session.get());
  ex.set_cut_response([client_id] { return json_response(502, InFlightCalls::cut_error(client_id)); });
  // A client that closes its connection while the call waits (net::PeerWatch) stops the wait.
  // 2026-07-28: closing the connection is cancellation (MUST), so the call is abandoned at once,
  // queued or sent, and stops holding its upstream slot and the principal's concurrency. Before
  // it, a disconnect is not a cancellation (2025-11-25 transports): such a call is watched only
  // once its reply streams (below). Raw pointers, small enough for std::function to keep without
  // an allocation per request: the guard clears it before the inbox goes.
  auto stop_waiting = [i = inbox.get(), u = upstream.get()] {
    i->interrupt();            // the wait for the answer
    i->stop_admission_wait();  // or for a slot at the upstream
    u->give_up(*i);            // or for its answer's head
  };
  if (call.era == mcp::Era::modern) ex.on_peer_gone(stop_waiting);
  struct ForgetPeer {
    net::Exchange& ex;
    ~ForgetPeer() { ex.on_peer_gone(nullptr); }
  } forget_peer{ex};
  // The client cancelled the request (McpEndpoint::cancel_call): no response to it. A stream ends
  // without one; a call not yet streaming gets a stream that ends at once, or, for a client that
  // takes JSON only, the one body the transport requires, an error it ignores. A lambda on purpose:
  // the same body as a member coroutine taking these by reference crashed when built with g++ 12
  // (a queued call cancelled by the TypeScript SDK client), and this form passes every test.
  auto end_cancelled = [&](bool streaming, bool detached) -> net::awaitable<void> {
    upstream->abandon(*inbox);
    metrics_.error(ErrorReason::client_cancelled);
    if (streaming) {
      if (!detached) co_await ex.end_stream();
    } else if (call.sse_ok) {
      if (co_await ex.start_stream(mcp::front::sse_head())) co_await ex.end_stream();
    } else {
      co_await ex.respond(json_response(
          200, mcp::make_error(client_id, mcp::code::request_cancelled, "Request cancelled by the client")));
    }
  };
  // Bounded queueing behind the upstream's in-flight limit; a shed request is 503, never 502. A
  // call cancelled or left by its client while in line leaves the line at once, and nothing is
  // sent for it.
  net::asio::cancellation_signal admission_wait;
  inbox->admission_wait = &admission_wait;
  bool abandoned = false;
  auto permit = co_await admit_upstream(ex, call.caller, call.method, target, client_id, call.deadline,
                                        admission_wait.slot(), &abandoned);
  inbox->admission_wait = nullptr;
  if (!permit && !abandoned) co_return;  // shed, and answered
  if (inbox->cancelled()) {
    co_await end_cancelled(false, false);
    co_return;
  }
  if (!permit || ex.peer_gone()) {
    metrics_.error(ErrorReason::client_gone);  // gone while queued: nothing is sent
    co_return;
  }
  // The request is sent, not copied: what is needed of it afterwards is kept here. The name as
  // judged: canonical, without the upstream's prefix (rewritten above).
  std::string tool;
  if (call.method == "tools/call")
    if (auto* params = call.request.if_contains("params"); params && params->is_object())
      if (auto* n = params->get_object().if_contains("name"); n && n->is_string()) tool = n->get_string();
  if (call.method == "initialize" && call.session)
    if (auto* params = call.request.if_contains("params"); params && params->is_object())
      call.initialize_params = params->get_object();
  auto started = co_await upstream->begin(std::move(call.request), inbox, call.deadline);
  if (!started && inbox->cancelled()) {  // cancelled while its answer's head was awaited
    co_await end_cancelled(false, false);
    co_return;
  }
  if (!started) {
    auto error =
        mcp::make_error(client_id, mcp::code::upstream_unavailable, "Upstream unavailable: " + started.error().message);
    auto refusal = upstream_refusal(UpstreamFailure::unreachable, error,
                                    std::chrono::duration<double>(steady::now() - t0).count());
    co_await ex.respond(refuse(refusal, metrics_, audit_, audit_record(call)));
    co_return;
  }
  bool streaming = false;
  bool detached = false;  // the client went away; the stream is kept for resumption
  std::string stream_id;
  std::shared_ptr<ResumableStream> resumable;
  std::uint64_t seq = 0;
  // `text`: the upstream's own text of `m`, or empty (then `m` is serialized).
  auto write_event = [&](const json::object& m, std::string text, bool final) -> net::awaitable<bool> {
    ++seq;
    if (resumable) resumable->record(seq, m, final);
    if (detached) co_return false;
    // A text with line breaks (white space between tokens) would become several data lines: valid
    // SSE, but clients that read one message per data line exist, so such a message is serialized.
    if (text.empty() || text.find_first_of("\r\n") != std::string::npos) text = serialize_json(m);
    co_return co_await ex.write_chunk(net::format_sse(text, stream_id + "_" + std::to_string(seq)));
  };
  for (;;) {
    auto m = co_await inbox->pop(call.deadline);
    if (ex.peer_gone() && !detached) {
      if (resumable) {
        detached = true;  // see below: a disconnect is not a cancellation in this era
        if (!m) continue;
      } else {
        // Closing is cancellation (2026-07-28), and before it a stream whose client left was
        // abandoned as when its next write failed: the upstream is told (its stream is closed, or a
        // stdio child gets notifications/cancelled).
        metrics_.error(ErrorReason::client_gone);
        upstream->abandon(*inbox);
        co_return;
      }
    }
    if (!m && inbox->cancelled()) {
      co_await end_cancelled(streaming, detached);
      co_return;
    }
    if (!m) {
      upstream->abandon(*inbox);
      auto err = mcp::make_error(client_id, mcp::code::upstream_timeout, "Upstream did not answer in time");
      auto refusal =
          upstream_refusal(UpstreamFailure::timeout, err, std::chrono::duration<double>(steady::now() - t0).count());
      if (streaming) {
        // The stream's status (200) went out with its first event: the error is its last one.
        record_refusal(refusal, metrics_, audit_, audit_record(call));
        co_await write_event(err, {}, true);
        if (!detached) co_await ex.end_stream();
      } else {
        co_await ex.respond(refuse(refusal, metrics_, audit_, audit_record(call)));
      }
      co_return;
    }
    bool is_reply = !m->contains("method") && m->contains("id");
    if (is_reply && mcp::id_key(m->at("id")) == mcp::id_key(client_id)) {
      permit->release();  // the upstream is done; a slow client must not hold its slot
      if (auto failure = inbox->failure()) {
        if (*failure == UpstreamFailure::session_expired) upstream_session_expired(call);
        if (!streaming) {
          co_await respond_failure(ex, call, client_id, *m, *failure, t0);
          co_return;
        }
      }
      // The upstream's own bytes of the reply, relayed as they are unless a stage below changes
      // the reply: each stage that changes it either edits the text in step (the list filter) or
      // drops it, so the body judged is always the body forwarded, and an unchanged reply is not
      // serialized again.
      auto text = inbox->take_text();
      if (call.translate_to_modern && modernize_result(call.method, *m)) text.clear();
      if (is_list_method(call.method)) judge_list(call, *m, target, text, inbox->took_skeleton(), streaming);
      if (call.method == "tools/call") remember_task(call, target, tool, *m);
      if (call.method == "tasks/list" && filter_task_list(call, *m)) text.clear();
      unsigned status = call.era == mcp::Era::modern ? modern_status_for(*m) : 200;
      metrics_.request(status, std::chrono::duration<double>(steady::now() - t0).count());
      if (streaming) {
        co_await write_event(*m, std::move(text), true);
        if (!detached) co_await ex.end_stream();
        co_return;
      }
      if (call.method == "initialize" && call.session && !inbox->failure()) seal_session(call);
      auto res = text.empty() ? json_response(status, *m) : json_text_response(status, std::move(text));
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
      auto head = mcp::front::sse_head();
      if (call.method == "initialize" && call.session) {
        seal_session(call);
        head.set("Mcp-Session-Id", call.session->id);
      }
      if (!co_await ex.start_stream(std::move(head))) {
        upstream->abandon(*inbox);
        co_return;
      }
      if (call.era != mcp::Era::modern) ex.on_peer_gone(stop_waiting);
      streaming = true;
      stream_id = system_random().token(9);
      if (!call.priming_version.empty() && call.session) {
        // 2025-11-25 transports: a priming event (an id, empty data) lets the client resume.
        resumable = call.session->open_stream(stream_id);
        co_await ex.write_chunk(net::format_sse("", stream_id + "_0"));
      }
    }
    if (!co_await write_event(*m, inbox->take_text(), false) && !detached) {
      if (resumable) {
        // Legacy era with resumption: a disconnect is not a cancellation (2025-11-25
        // transports); keep receiving so that GET + Last-Event-ID can replay the rest.
        detached = true;
        continue;
      }
      // 2026-07-28: closing the stream is cancellation; tell the upstream.
      upstream->abandon(*inbox);
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
  if (auto refusal = mcp::front::check_param_headers(ex.request(), *annotations, po, call.request["id"]))
    co_return answer_refusal(ex, &call.caller, call.method, front_door_refusal(*refusal), name->get_string());
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
      end_session(*call.session);
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

net::awaitable<void> McpEndpoint::respond_failure(net::Exchange& ex, const Call& call, const json::value& id,
                                                  const json::object& error, UpstreamFailure failure,
                                                  steady::time_point t0) {
  double elapsed = std::chrono::duration<double>(steady::now() - t0).count();
  if (failure == UpstreamFailure::session_expired && call.session) {
    co_await ex.respond(refuse(session_ended_refusal(id, elapsed), metrics_, audit_, audit_record(call)));
    co_return;
  }
  if (call.method == "initialize" && call.session && sessions_.erase(call.session->id)) {
    // No session id goes out with a failed initialize: keeping the session would only leak it.
    call.session->close();
    metrics_.session_closed();
  }
  // 502 / 504 (503 for the per-principal children limit): answered, counted and audited like
  // every other refusal (refusal.hpp). The record is the call's, so that it carries the latency.
  auto refusal = upstream_refusal(failure, error, elapsed);
  AuditRecord who = audit_record(call);
  if (failure == UpstreamFailure::at_capacity)
    if (auto* e = error.if_contains("error"); e && e->is_object())
      if (auto* d = e->get_object().if_contains("data"); d && d->is_object())
        if (auto* u = d->get_object().if_contains("upstream"); u && u->is_string()) who.target = u->get_string();
  co_await ex.respond(refuse(refusal, metrics_, audit_, std::move(who)));
}

}  // namespace mcpgate::gateway
