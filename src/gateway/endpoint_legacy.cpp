// The session-based revisions (2025-03-26 … 2025-11-25): initialize and its session, messages
// within a session, the GET stream (with resumption by Last-Event-ID) and DELETE.
#include "core/json.hpp"
#include "core/log.hpp"
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

net::awaitable<void> McpEndpoint::cancel_call(const FrontSession& session, json::object notification,
                                              Deadline deadline) {
  // The requestId is the client's id, unique within this session only: it is resolved here to
  // this session's own call, and each upstream is told in its own terms (a shared child knows the
  // request by another id, and is told nothing of a request it does not have; an HTTP upstream's
  // session sees the client's ids and gets the notification as it is).
  auto* params = notification.if_contains("params");
  auto* request_id = params && params->is_object() ? params->get_object().if_contains("requestId") : nullptr;
  if (!request_id) co_return;
  auto calls = in_flight_.find(&session, *request_id);
  for (auto& upstream : session.upstreams) {
    Inbox* inbox = nullptr;
    for (auto& c : calls)
      if (c.upstream == upstream) inbox = c.inbox.get();
    auto r = co_await upstream->cancel(inbox, notification, deadline);
    if (!r)
      log::warn("a cancellation did not reach its upstream", {{"endpoint", cfg_.path}, {"why", r.error().message}});
  }
  // The receiver of a cancellation frees what the request holds and sends no response to it
  // (basic/utilities/cancellation): the call's wait ends now, not at its timeout, and its slot
  // (concurrency quota, upstream admission, a drain's wait) with it. On the call's own executor,
  // where an HTTP upstream's wait for the answer's head can be given up.
  for (auto& c : calls)
    net::asio::post(c.inbox->executor(), [inbox = c.inbox, upstream = c.upstream] {
      inbox->cancel();
      inbox->stop_admission_wait();
      upstream->give_up(*inbox);
    });
}

net::awaitable<void> McpEndpoint::legacy_message(net::Exchange& ex, std::shared_ptr<FrontSession> session,
                                                 mcp::Message msg, bool sse_ok, const Caller& caller) {
  // (A version header that is not a legacy revision made this request 2026-07-28: mcp::front::era_of.)
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
    } else if (msg.method() == "notifications/cancelled") {
      co_await cancel_call(*session, std::move(msg.body), deadline);
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

net::awaitable<void> McpEndpoint::handle_get(net::Exchange& ex, const Caller& caller) {
  auto& req = ex.request();
  auto session_id = header(req, "Mcp-Session-Id");
  if (mcp::front::modern_header(req) || session_id.empty()) {
    auto res = answer_refusal(
        ex, &caller, "GET",
        front_door_refusal(mcp::front::method_not_allowed(
            session_id.empty() ? "Method not allowed: GET needs an Mcp-Session-Id" : "Method not allowed")));
    co_await ex.respond(std::move(res));
    co_return;
  }
  json::value no_id;
  auto found = find_session(session_id, caller, no_id);
  if (!found) {
    {
      auto res = answer_refusal(ex, &caller, "GET", found.error());
      co_await ex.respond(std::move(res));
    }
    co_return;
  }
  auto session = std::move(*found);
  if (auto refusal = mcp::front::check_stream_accept(req)) {
    {
      auto res = answer_refusal(ex, &caller, "GET", front_door_refusal(*refusal));
      co_await ex.respond(std::move(res));
    }
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
    for (auto& u : session->upstreams) u->set_listener(inbox);
  }
  http::response<http::empty_body> head{http::status::ok, 11};
  head.set(http::field::content_type, "text/event-stream");
  head.set(http::field::cache_control, "no-cache");
  head.set("X-Accel-Buffering", "no");
  // A client that goes away is noticed at once (net::PeerWatch), not at the next keep-alive.
  ex.on_peer_gone([weak = std::weak_ptr<Inbox>(inbox)] {
    if (auto i = weak.lock()) i->interrupt();
  });
  if (co_await ex.start_stream(std::move(head))) {
    std::string stream_id = system_random().token(9);
    std::uint64_t seq = 0;
    for (;;) {
      auto m = co_await inbox->pop(steady::now() + std::chrono::seconds(15));
      if (!m) {
        if (inbox->closed() || ex.peer_gone()) break;
        // Keep-alive comment: keeps proxies from timing the stream out.
        if (!co_await ex.write_chunk(": keep-alive\n\n")) break;
        session->last_used_ms = now_ms();
        continue;
      }
      if (!co_await ex.write_chunk(net::format_sse(serialize_json(*m), stream_id + "_" + std::to_string(++seq)))) break;
    }
  }
  inbox->close("stream closed");
  {
    // Unless a newer GET replaced this stream, nobody listens now: the upstreams may end the
    // streams they hold open for it.
    std::lock_guard lock(session->mutex);
    if (session->listener == inbox) {
      session->listener.reset();
      for (auto& u : session->upstreams) u->set_listener(nullptr);
    }
  }
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
    if (!co_await ex.write_chunk(net::format_sse(serialize_json(m), stream_id + "_" + std::to_string(seq)))) co_return;
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
            net::format_sse(serialize_json(w->at("message")), stream_id + "_" + std::to_string(seq))))
      co_return;
  }
  co_await ex.end_stream();
}

net::awaitable<void> McpEndpoint::handle_delete(net::Exchange& ex, const Caller& caller) {
  auto& req = ex.request();
  auto session_id = header(req, "Mcp-Session-Id");
  if (mcp::front::modern_header(req) || session_id.empty()) {
    {
      auto res = answer_refusal(ex, &caller, "DELETE", front_door_refusal(mcp::front::method_not_allowed()));
      co_await ex.respond(std::move(res));
    }
    co_return;
  }
  // A session opened at another replica is continued here first, so that ending it reaches its
  // HTTP upstreams (their DELETE carries the upstream's session id) like a local one.
  json::value no_id;
  auto found = find_session(session_id, caller, no_id);
  auto session = found ? sessions_.erase(std::string(session_id)) : nullptr;
  if (!session) {
    {
      auto res = answer_refusal(ex, &caller, "DELETE",
                                found ? front_door_refusal(mcp::front::session_not_found(nullptr)) : found.error());
      co_await ex.respond(std::move(res));
    }
    co_return;
  }
  end_session(*session);
  session->close();
  metrics_.session_closed();
  co_await ex.respond(empty_response(200));
}

}  // namespace mcpgate::gateway
