#include "gateway/http_upstream.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <cstdio>

#include "core/json.hpp"
#include "core/log.hpp"
#include "mcp/http_headers.hpp"
#include "mcp/jsonrpc.hpp"
#include "net/http_client.hpp"
#include "net/sse.hpp"

namespace mcpgate::gateway {
namespace asio = net::asio;
namespace http = net::http;

namespace {

// One client per serving thread: connections are pooled per thread, so no lock
// is needed.
net::HttpClient& thread_client(asio::any_io_executor ex) {
  thread_local std::unique_ptr<net::HttpClient> client;
  if (!client) {
    // The pool keeps what admission lets in flight (max_concurrent_requests, 256 by default):
    // a smaller pool closes connections that the next queued request then opens again, and at
    // thousands of clients that churn costs more than the requests.
    net::ClientLimits limits;
    limits.max_idle_per_host = 1024;
    // A serving thread runs its own io_context; the blocking pool (a thread_pool) runs on several.
    limits.one_thread = ex.target<asio::io_context::executor_type>() != nullptr;
    client = std::make_unique<net::HttpClient>(ex, limits);
  }
  return *client;
}

std::string_view method_of(const json::object& m) {
  auto* v = m.if_contains("method");
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

const json::object* meta_of(const json::object& m) {
  auto* p = m.if_contains("params");
  if (!p || !p->is_object()) return nullptr;
  auto* meta = p->get_object().if_contains("_meta");
  return meta && meta->is_object() ? &meta->get_object() : nullptr;
}

}  // namespace

net::Request HttpUpstream::make_post(const json::object& message, const Inbox* inbox) {
  net::Request req{http::verb::post, options_.http.target, 11};
  req.set(http::field::host, options_.http.host + ":" + std::to_string(options_.http.port));
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json, text/event-stream");
  for (auto& [k, v] : options_.http.headers) req.set(k, v);
  std::string version;
  if (auto* meta = meta_of(message)) {
    if (auto* v = meta->if_contains(mcp::kMetaProtocolVersion); v && v->is_string()) version = v->get_string();
  }
  {
    std::lock_guard lock(mutex_);
    if (version.empty())
      version = protocol_version_;
    else if (!session_id_.empty() || !protocol_version_.empty())
      version = protocol_version_;  // a legacy upstream session speaks the revision it negotiated
    if (!session_id_.empty() && !mcp::is_modern_revision(version)) req.set("Mcp-Session-Id", session_id_);
  }
  if (!version.empty()) req.set("MCP-Protocol-Version", version);
  if (mcp::is_modern_revision(version)) {
    // 2026-07-28: the routing headers are recomputed from the body we forward, never copied,
    // and encoded as a client encodes them (transports, "Standard Headers"): a name that is not
    // visible ASCII travels as `=?base64?…?=`, never as raw bytes the upstream would read as
    // obs-text and compare unequal to the body.
    auto method = method_of(message);
    req.set("Mcp-Method", mcp::encode_header_value(method));
    if (auto* p = message.if_contains("params"); p && p->is_object()) {
      auto key = mcp::name_header_param(method);
      if (!key.empty()) {
        if (auto* n = p->get_object().if_contains(key); n && n->is_string())
          req.set("Mcp-Name", mcp::encode_header_value(n->get_string()));
      }
    }
  }
  if (inbox && mcp::is_modern_revision(version))
    for (auto& [k, v] : inbox->forward_headers) req.insert(k, v);
  if (inbox && !inbox->request_id.empty()) req.set("X-Request-Id", inbox->request_id);
  req.body() = serialize_json(message);
  return req;
}

void HttpUpstream::relay(json::object message, const std::shared_ptr<Inbox>& inbox, std::string text) {
  if (message.contains("method") && message.contains("id")) {
    std::lock_guard lock(mutex_);
    std::uint64_t n = next_server_request_++;
    server_requests_[n] = message["id"];
    message["id"] = std::string(kServerRequestIdPrefix) + options_.tag + ":" + std::to_string(n);
    text.clear();  // the id changed: the upstream's text is no longer this message's
  }
  inbox->push(std::move(message), std::move(text));
}

net::awaitable<Result<void>> HttpUpstream::begin(json::object request, std::shared_ptr<Inbox> inbox,
                                                 Deadline deadline) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) co_return fail("upstream session closed");
  }
  if (in_flight_.load() >= options_.max_in_flight) co_return fail("too many requests in flight to this upstream");
  // The exchange runs in the caller's coroutine: a JSON reply (the common case)
  // costs no extra coroutine and no cross-executor hop; only an SSE reply gets
  // a reader of its own.
  co_await run(std::move(request), std::move(inbox), deadline);
  co_return Result<void>{};
}

net::awaitable<void> HttpUpstream::run(json::object request, std::shared_ptr<Inbox> inbox, Deadline deadline) {
  auto self = shared_from_this();
  ++in_flight_;
  struct Done {
    std::atomic<std::size_t>& n;
    ~Done() { --n; }
  } done{in_flight_};
  json::value client_id = request["id"];
  bool is_initialize = method_of(request) == "initialize";
  auto cred = co_await credential(inbox, client_id, false);
  if (!cred) co_return;
  auto req = make_post(request, inbox.get());
  if (!cred->empty()) req.set(options_.credentials->header(), cred->reveal());
  auto ex = co_await asio::this_coro::executor;
  auto& client = thread_client(ex);
  bool sent_session = req.find("Mcp-Session-Id") != req.end();
  // While the answer's head is awaited, give_up() can end the wait (the client left).
  Inbox::AwaitingHead sending;
  inbox->awaiting_head = &sending;
  struct Unregister {
    Inbox& inbox;
    ~Unregister() { inbox.awaiting_head = nullptr; }
  } unregister{*inbox};
  auto sent = co_await client.send(endpoint_, req, deadline, &sending.stream);
  if (sent && (*sent)->status() == 401 && refreshable() && !sending.abandoned) {
    // One new token and one more try: the upstream's server may have revoked or rotated the one
    // the cache held. A second 401 is the answer.
    (*sent)->abort();
    cred = co_await credential(inbox, client_id, true);
    if (!cred) co_return;
    req.set(options_.credentials->header(), cred->reveal());
    sent = co_await client.send(endpoint_, req, deadline, &sending.stream);
  }
  if (sending.abandoned) co_return;  // nobody waits for it: nothing to report
  if (!sent) {
    // Past the deadline the upstream took the request and did not begin its answer in time (504),
    // which is not being unreachable (502).
    if (std::chrono::steady_clock::now() >= deadline)
      fail_request(inbox, client_id, UpstreamFailure::timeout, "did not answer in time: " + sent.error().message);
    else
      fail_request(inbox, client_id, UpstreamFailure::unreachable, "is unreachable: " + sent.error().message);
    co_return;
  }
  auto& rs = **sent;
  auto status = rs.status();
  std::string content_type(rs.head()[http::field::content_type]);
  if (status / 100 != 2) {
    co_await refuse_status(rs, status, content_type, sent_session, client_id, inbox, deadline);
    co_return;
  }
  if (is_initialize) {
    std::lock_guard lock(mutex_);
    session_id_ = std::string(rs.head()["Mcp-Session-Id"]);
  }
  if (content_type.starts_with("text/event-stream")) {
    auto ex2 = co_await asio::this_coro::executor;
    asio::co_spawn(ex2,
                   read_stream(shared_from_this(), std::move(*sent), std::move(client_id), is_initialize,
                               std::move(inbox), deadline),
                   asio::detached);
    co_return;
  }
  // A request is answered with application/json or an SSE stream (transports, "Sending Messages");
  // anything else (a 202 or 204 with no body, an HTML page, no Content-Type) is not a reply, even
  // when its text happens to parse as one.
  if (!mcp::is_json_content_type(content_type)) {
    rs.abort();
    fail_request(inbox, client_id, UpstreamFailure::bad_reply,
                 "answered HTTP " + std::to_string(status) + " without a JSON-RPC reply", status);
    co_return;
  }
  auto body = co_await rs.read_all(deadline);
  if (!body) {
    fail_request(inbox, client_id, UpstreamFailure::timeout, "did not answer in time: " + body.error().message);
    co_return;
  }
  bool skeleton = false;
  auto msg = reply_to(*body, client_id, inbox->skeleton_list ? &*inbox->skeleton_list : nullptr, &skeleton);
  if (!msg) {
    // Also a reply to another request: relaying it under this id would hand one caller the answer
    // meant for another.
    fail_request(inbox, client_id, UpstreamFailure::bad_reply, "did not send the reply to this request", status);
    co_return;
  }
  if (is_initialize) {
    if (auto* r = msg->body.if_contains("result"); r && r->is_object())
      if (auto* v = r->get_object().if_contains("protocolVersion"); v && v->is_string()) {
        std::lock_guard lock(mutex_);
        protocol_version_ = v->get_string();
      }
  }
  // The id matched by id_key(): JSON-equal to the client's, so the upstream's text stays the
  // reply's text (relayed as is when nothing in it changes on the way).
  msg->body["id"] = client_id;
  inbox->push(std::move(msg->body), std::move(*body), skeleton);
}

net::awaitable<void> HttpUpstream::refuse_status(net::ResponseStream& rs, unsigned status,
                                                 const std::string& content_type, bool sent_session,
                                                 const json::value& client_id, std::shared_ptr<Inbox> inbox,
                                                 Deadline deadline) {
  // A status that is not 2xx is never a success, whatever the body says (a 500 page carrying a
  // "result" was once relayed as one). 3xx is not followed: a redirect would send the request, and
  // the credentials configured for this upstream, somewhere the operator did not configure.
  auto code = "answered HTTP " + std::to_string(status);
  if (status == 401 || status == 403) {
    rs.abort();
    fail_request(inbox, client_id, UpstreamFailure::unauthorized, code + " (the gateway's credentials were refused)",
                 status);
    co_return;
  }
  if (status == 404 && sent_session) {
    // The upstream ended the session (2025-11-25 transports, "Session Management").
    rs.abort();
    {
      std::lock_guard lock(mutex_);
      session_id_.clear();
    }
    fail_request(inbox, client_id, UpstreamFailure::session_expired, code + ": its session has ended", status);
    co_return;
  }
  if (status / 100 == 4 && mcp::is_json_content_type(content_type)) {
    // 2026-07-28 transports pair 4xx with the JSON-RPC error that explains it (400 with -32602 or
    // -32020, 404 with -32601): that error is the upstream's answer, relayed like one sent with 200.
    // Only an error for this very request counts; a result is not a reply with this status.
    auto body = co_await rs.read_all(deadline);
    if (body) {
      if (auto msg = reply_to(*body, client_id); msg && msg->kind == mcp::Kind::error) {
        msg->body["id"] = client_id;
        inbox->push(std::move(msg->body), std::move(*body));
        co_return;
      }
    }
  }
  rs.abort();
  fail_request(inbox, client_id, UpstreamFailure::http_status, code, status);
}

std::optional<mcp::Message> HttpUpstream::reply_to(std::string_view body, const json::value& request_id,
                                                   const JsonSkeletonPath* skeleton, bool* built_skeleton) {
  // A large reply (a list of thousands of tools) is built in one monotonic buffer: its tens of
  // thousands of nodes then cost no malloc and no free each, which was most of the gateway's time
  // on such a list. A reply lives as long as its request; what outlives it is copied into
  // plain strings and maps (tool hints), so the buffer goes with the reply.
  constexpr std::size_t kBulkReply = 64 * 1024;
  // A list judged by one member per item, whose text is relayed, need not build its items (most of
  // the nodes): they are validated as strictly, and kept as the skeleton the filter judges.
  bool bulk = body.size() >= kBulkReply;
  auto storage = bulk ? json::make_shared_resource<json::monotonic_resource>(body.size()) : json::storage_ptr();
  auto parsed = bulk && skeleton ? parse_json_skeleton(body, *skeleton, {}, std::move(storage))
                                 : parse_json(body, {}, std::move(storage));
  if (built_skeleton) *built_skeleton = parsed && bulk && skeleton;
  if (!parsed) return std::nullopt;
  auto c = mcp::classify(std::move(*parsed));
  if (!c || !c->is_reply() || mcp::id_key(c->body["id"]) != mcp::id_key(request_id)) return std::nullopt;
  return std::move(*c);
}

net::awaitable<std::optional<Secret>> HttpUpstream::own_credential() {
  // Named arguments: g++ 12 destroys a temporary bound to a reference parameter inside a
  // co_await expression twice.
  std::shared_ptr<Inbox> none;
  json::value no_id;
  auto cred = co_await credential(none, no_id, false);
  co_return cred;
}

bool HttpUpstream::refreshable() const {
  using M = config::Credentials::Mode;
  return options_.credentials &&
         (options_.credentials->mode() == M::token_exchange || options_.credentials->mode() == M::client_credentials);
}

net::awaitable<std::optional<Secret>> HttpUpstream::credential(const std::shared_ptr<Inbox>& inbox,
                                                               const json::value& client_id, bool fresh) {
  if (!options_.credentials || !options_.credentials->adds_header()) co_return Secret();
  auto v = co_await options_.credentials->value(inbox ? inbox->subject.get() : nullptr, fresh);
  if (v) co_return std::move(*v);
  if (inbox) {
    auto& e = v.error();
    std::string what = exchange::describe(e);
    // The details (which URL, what it answered) are for the operator's log, not for the client.
    log::warn("no credentials: " + what + ": " + e.description,
              {{"upstream", options_.label}, {"request_id", inbox->request_id}});
    fail_request(inbox, client_id, UpstreamFailure::credentials, "has no credentials for this request: " + what, 0,
                 e.oauth_error);
  }
  co_return std::nullopt;
}

void HttpUpstream::fail_request(const std::shared_ptr<Inbox>& inbox, const json::value& client_id, UpstreamFailure why,
                                std::string detail, unsigned status, std::string oauth_error) {
  // Names the upstream by its configured name only: not its URL, not the credentials sent to it,
  // and nothing of what it answered (an error page may echo a token or an internal address).
  json::object data;
  data["upstream"] = options_.name;
  data["reason"] = reason_name(why);
  if (status) data["status"] = status;
  if (!oauth_error.empty()) data["error"] = oauth_error;
  int code = why == UpstreamFailure::timeout ? mcp::code::upstream_timeout : mcp::code::upstream_unavailable;
  log::warn("upstream request failed: " + detail,
            {{"upstream", options_.label}, {"request_id", inbox->request_id}, {"reason", reason_name(why)}});
  inbox->push_failure(
      mcp::make_error(client_id, code, "Upstream '" + options_.name + "' " + detail, json::value(std::move(data))),
      why);
}

net::awaitable<void> HttpUpstream::read_stream([[maybe_unused]] std::shared_ptr<HttpUpstream> self,
                                               std::unique_ptr<net::ResponseStream> stream, json::value client_id,
                                               bool is_initialize, std::shared_ptr<Inbox> inbox, Deadline deadline) {
  ++in_flight_;
  struct Done {
    std::atomic<std::size_t>& n;
    ~Done() { --n; }
  } done{in_flight_};
  auto& rs = *stream;
  rs.unlimited_body();
  std::shared_ptr<net::ResponseStream> shared(std::move(stream));
  // Named by its inbox, which this coroutine keeps alive until it unregisters the stream.
  const Inbox* key = inbox.get();
  auto reader_executor = co_await asio::this_coro::executor;
  {
    std::lock_guard lock(mutex_);
    streams_[key] = OpenStream{reader_executor, shared};
  }
  struct Unregister {
    HttpUpstream* self;
    const Inbox* key;
    ~Unregister() {
      std::lock_guard lock(self->mutex_);
      self->streams_.erase(key);
    }
  } unregister{this, key};
  net::SseParser parser;
  std::vector<net::SseEvent> events;
  bool replied = false;
  while (!replied) {
    auto piece = co_await rs.next(deadline);
    if (!piece) {
      fail_request(inbox, client_id, UpstreamFailure::timeout, "did not finish its reply: " + piece.error().message);
      co_return;
    }
    if (piece->empty() && rs.done()) break;
    if (!parser.feed(*piece, events)) {
      rs.abort();
      fail_request(inbox, client_id, UpstreamFailure::bad_reply, "sent an event that is too large");
      co_return;
    }
    for (auto& ev : events) {
      if (ev.data.empty() || (!ev.event.empty() && ev.event != "message")) continue;
      auto parsed = parse_json(ev.data);
      if (!parsed) continue;  // an unreadable frame is dropped, never forwarded
      auto msg = mcp::classify(std::move(*parsed));
      if (!msg) continue;
      if (msg->is_reply()) {
        if (mcp::id_key(msg->body["id"]) != mcp::id_key(client_id)) continue;
        replied = true;
        if (is_initialize) {
          if (auto* r = msg->body.if_contains("result"); r && r->is_object())
            if (auto* v = r->get_object().if_contains("protocolVersion"); v && v->is_string()) {
              std::lock_guard lock(mutex_);
              protocol_version_ = v->get_string();
            }
        }
      }
      // The event's data is the text just parsed and judged; the reply's id is JSON-equal to the
      // client's (id_key above).
      relay(std::move(msg->body), inbox, std::move(ev.data));
      if (replied) break;
    }
    events.clear();
  }
  if (!replied) {
    rs.abort();
    fail_request(inbox, client_id, UpstreamFailure::bad_reply, "ended its stream without the reply to this request");
  } else if (!rs.done()) {
    rs.abort();
  }
  co_return;
}

net::awaitable<Result<void>> HttpUpstream::deliver(json::object message, Deadline deadline) {
  if (message.contains("id") && !message.contains("method")) {
    auto& id = message["id"];
    std::string prefix = std::string(kServerRequestIdPrefix) + options_.tag + ":";
    if (!id.is_string() || !std::string_view(id.get_string()).starts_with(prefix))
      co_return fail("unknown server request id");
    std::uint64_t n =
        std::strtoull(std::string(std::string_view(id.get_string()).substr(prefix.size())).c_str(), nullptr, 10);
    std::lock_guard lock(mutex_);
    auto it = server_requests_.find(n);
    if (it == server_requests_.end()) co_return fail("unknown server request id");
    id = it->second;
    server_requests_.erase(it);
  }
  auto req = make_post(message);
  // Notifications and answers to the upstream's requests: the gateway's own credential.
  if (auto cred = co_await own_credential(); cred && !cred->empty())
    req.set(options_.credentials->header(), cred->reveal());
  auto ex = co_await asio::this_coro::executor;
  auto sent = co_await thread_client(ex).send(endpoint_, req, deadline);
  if (!sent) co_return fail(sent.error().message);
  auto body = co_await (*sent)->read_all(deadline);
  if (!body) co_return fail(body.error().message);
  if ((*sent)->status() / 100 != 2) co_return fail("upstream answered HTTP " + std::to_string((*sent)->status()));
  co_return Result<void>{};
}

void HttpUpstream::set_listener(std::shared_ptr<Inbox> listener) {
  std::weak_ptr<net::ResponseStream> to_end;
  bool stopping = listener == nullptr;
  {
    std::lock_guard lock(mutex_);
    listener_ = std::move(listener);
    if (stopping) {
      // The client's stream ended: the upstream's stream for it ends too, so that an upstream
      // connection is held per client that listens, not per session that once did.
      to_end = listen_stream_;
    } else {
      ++listener_generation_;
      // Only a legacy upstream session has a standalone stream to open.
      if (listening_ || closed_ || session_id_.empty() || mcp::is_modern_revision(protocol_version_)) return;
      listening_ = true;
    }
  }
  if (stopping) {
    end_listen_stream(std::move(to_end));
    return;
  }
  asio::co_spawn(executor_, listen_loop(shared_from_this()), asio::detached);
}

void HttpUpstream::end_listen_stream(std::weak_ptr<net::ResponseStream> stream) {
  // The stream is read on executor_: it is closed there (its loop then ends).
  if (stream.expired()) return;
  asio::post(executor_, [stream = std::move(stream)] {
    if (auto s = stream.lock()) s->abort();
  });
}

net::awaitable<void> HttpUpstream::listen_loop([[maybe_unused]] std::shared_ptr<HttpUpstream> self) {
  std::uint64_t generation;
  {
    std::lock_guard lock(mutex_);
    generation = listener_generation_;
  }
  co_await listen_once();
  bool again;
  {
    std::lock_guard lock(mutex_);
    listen_stream_.reset();
    // A client opened a new stream while this one was ending (it found listening_ still set).
    again = listener_ && !closed_ && listener_generation_ != generation;
    listening_ = again;
  }
  if (again) asio::co_spawn(executor_, listen_loop(std::move(self)), asio::detached);
}

net::awaitable<void> HttpUpstream::listen_once() {
  // A long-lived stream gets a connection of its own, outside the request pool.
  net::HttpClient client(executor_);
  net::Request req{http::verb::get, options_.http.target, 11};
  req.set(http::field::host, options_.http.host + ":" + std::to_string(options_.http.port));
  req.set(http::field::accept, "text/event-stream");
  for (auto& [k, v] : options_.http.headers) req.set(k, v);
  // The stream is the session's, not one request's: it carries the gateway's own credential.
  if (auto cred = co_await own_credential(); cred && !cred->empty())
    req.set(options_.credentials->header(), cred->reveal());
  {
    std::lock_guard lock(mutex_);
    if (!listener_ || closed_) co_return;
    req.set("Mcp-Session-Id", session_id_);
    if (!protocol_version_.empty()) req.set("MCP-Protocol-Version", protocol_version_);
  }
  auto far = std::chrono::steady_clock::now() + std::chrono::hours(24);
  auto sent = co_await client.send(endpoint_, req, far);
  if (!sent || (*sent)->status() != 200) co_return;  // 405: the upstream has no standalone stream
  std::shared_ptr<net::ResponseStream> stream(std::move(*sent));
  auto& rs = *stream;
  {
    std::lock_guard lock(mutex_);
    if (!listener_ || closed_) {
      rs.abort();
      co_return;
    }
    listen_stream_ = stream;
  }
  rs.unlimited_body();
  net::SseParser parser;
  std::vector<net::SseEvent> events;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (closed_ || !listener_) break;
    }
    auto piece = co_await rs.next(far);
    if (!piece || (piece->empty() && rs.done())) break;
    if (!parser.feed(*piece, events)) break;
    for (auto& ev : events) {
      auto parsed = parse_json(ev.data);
      if (!parsed) continue;
      auto msg = mcp::classify(std::move(*parsed));
      if (!msg || msg->is_reply()) continue;
      std::shared_ptr<Inbox> target;
      {
        std::lock_guard lock(mutex_);
        target = listener_;
      }
      if (target) relay(std::move(msg->body), target);
    }
    events.clear();
  }
  rs.abort();
}

net::awaitable<void> HttpUpstream::end_session([[maybe_unused]] std::shared_ptr<HttpUpstream> self, std::string session,
                                               std::string version) {
  net::HttpClient client(executor_);
  net::Request req{http::verb::delete_, options_.http.target, 11};
  req.set(http::field::host, options_.http.host + ":" + std::to_string(options_.http.port));
  req.set("Mcp-Session-Id", session);
  if (!version.empty()) req.set("MCP-Protocol-Version", version);
  for (auto& [k, v] : options_.http.headers) req.set(k, v);
  if (auto cred = co_await own_credential(); cred && !cred->empty())
    req.set(options_.credentials->header(), cred->reveal());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  auto sent = co_await client.send(endpoint_, req, deadline);
  if (sent) co_await (*sent)->read_all(deadline);
}

UpstreamResumption HttpUpstream::resumption() const {
  std::lock_guard lock(mutex_);
  return {session_id_, protocol_version_};
}

void HttpUpstream::resume(UpstreamResumption r) {
  std::lock_guard lock(mutex_);
  session_id_ = std::move(r.session_id);
  protocol_version_ = std::move(r.protocol_version);
}

void HttpUpstream::abandon(Inbox& inbox) {
  // Closing the upstream stream is how a Streamable HTTP server learns that nobody waits any
  // more (2026-07-28: closing the stream is cancellation). The stream belongs to its reader's
  // executor, so the close is posted there.
  std::lock_guard lock(mutex_);
  auto it = streams_.find(&inbox);
  if (it == streams_.end()) return;
  asio::post(it->second.executor, [stream = it->second.stream] {
    if (auto s = stream.lock()) s->abort();
  });
}

void HttpUpstream::give_up(Inbox& inbox) {
  // On the request's executor (the caller's contract), which is the one run() waits on.
  auto* waiting = inbox.awaiting_head;
  if (!waiting) return;
  waiting->abandoned = true;
  // Closing the connection ends HttpClient::send's wait (and tells the upstream nobody waits);
  // the closed connection is neither retried nor pooled.
  if (waiting->stream) {
    net::error_code ec;
    waiting->stream->socket().close(ec);
  }
}

void HttpUpstream::release() {
  std::weak_ptr<net::ResponseStream> listening;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    listener_.reset();
    listening = listen_stream_;
  }
  end_listen_stream(std::move(listening));
}

void HttpUpstream::close() {
  std::string session, version;
  std::weak_ptr<net::ResponseStream> listening;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    session = session_id_;
    version = protocol_version_;
    if (listener_) listener_.reset();
    listening = listen_stream_;
  }
  end_listen_stream(std::move(listening));
  // Ending the upstream session (DELETE) is best-effort and happens off the
  // request path.
  if (!session.empty()) asio::co_spawn(executor_, end_session(shared_from_this(), session, version), asio::detached);
}

}  // namespace mcpgate::gateway
