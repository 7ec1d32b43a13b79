// Streamable HTTP for both eras on one path.
//  - legacy (≤ 2025-11-25, transports.mdx): `initialize` opens a session (Mcp-Session-Id); POST
//    answers JSON, or SSE once the handler sends something first; GET opens the session's
//    stream for unsolicited notifications; DELETE ends the session (then 404).
//  - modern (2026-07-28): stateless POST; `_meta` and the MCP-Protocol-Version / Mcp-Method /
//    Mcp-Name headers are checked against the body; GET and DELETE are 405.
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <unordered_map>

#include "core/json.hpp"
#include "core/random.hpp"
#include "core/secret.hpp"
#include "mcp/http_front.hpp"
#include "mcp/http_headers.hpp"
#include "mcp/server/server_impl.hpp"
#include "mcp/server/tasks.hpp"
#include "net/address.hpp"
#include "net/http_server.hpp"
#include "net/origin_guard.hpp"
#include "net/sse.hpp"

namespace mcpgate {

namespace {
namespace asio = net::asio;
namespace http = net::http;
using mcp::server::Outlet;
using mcp::server::Session;
namespace code = mcp::code;

using StreamChannel = asio::experimental::concurrent_channel<void(net::error_code, std::string)>;

struct HttpSession {
  std::shared_ptr<Session> session = std::make_shared<Session>();
  std::atomic<std::int64_t> last_used{0};
  std::mutex mu;
  std::shared_ptr<StreamChannel> stream;  // the open GET stream, if any

  bool push(const json::object& message) {
    std::lock_guard lock(mu);
    return stream && stream->try_send(net::error_code{}, json::serialize(message));
  }
  void close_stream() {
    std::lock_guard lock(mu);
    if (stream) stream->close();
    stream.reset();
  }
};

std::int64_t now_ticks() {
  return std::chrono::steady_clock::now().time_since_epoch().count();
}

net::Response json_response(http::status status, const json::object& body, std::string_view session_id = {}) {
  auto res = mcp::front::json_response(static_cast<unsigned>(status), body);
  if (!session_id.empty()) res.set("Mcp-Session-Id", session_id);
  return res;
}

net::Response empty_response(http::status status) {
  return mcp::front::empty_response(static_cast<unsigned>(status));
}

http::status status_for(int error_code) {
  return static_cast<http::status>(mcp::front::status_for_code(error_code));
}

// The SSE stream of one POST, opened by the first message the handler sends.
class PostOutlet final : public Outlet {
 public:
  // `sse_ok`: the client's Accept names text/event-stream (mcp::front::check_post_headers).
  PostOutlet(net::Exchange& ex, std::string session_id, bool sse_ok)
      : ex_(ex), session_id_(std::move(session_id)), sse_ok_(sse_ok) {}

  net::awaitable<bool> send(json::object message) override {
    if (!alive_) co_return false;
    if (!sse_ok_) {
      // A client that accepts JSON only gets the reply alone, as the gateway answers it: its
      // notifications are dropped, and a request it could never receive fails at once.
      co_return !message.contains("id");
    }
    if (!streaming_) {
      streaming_ = true;
      alive_ = co_await ex_.start_stream(sse_head(ex_, session_id_));
      if (!alive_) co_return false;
    }
    alive_ = co_await ex_.write_chunk(net::format_sse(json::serialize(message)));
    co_return alive_;
  }

  net::awaitable<void> finish(const json::object& response, http::status status) {
    if (!streaming_) {
      co_await ex_.respond(json_response(status, response, session_id_));
      co_return;
    }
    if (alive_) co_await ex_.write_chunk(net::format_sse(json::serialize(response)));
    co_await ex_.end_stream();
  }

  static http::response<http::empty_body> sse_head(net::Exchange&, std::string_view session_id) {
    auto head = mcp::front::sse_head();
    if (!session_id.empty()) head.set("Mcp-Session-Id", session_id);
    return head;
  }

 private:
  net::Exchange& ex_;
  std::string session_id_;
  bool sse_ok_;
  bool streaming_ = false;
  bool alive_ = true;
};

json::object rpc_error(const json::value& id, int c, std::string_view message) {
  return mcp::make_error(id, c, message);
}

}  // namespace

struct HttpTransport::Impl {
  Impl(McpServer& s, HttpOptions o)
      : server(s),
        options(std::move(o)),
        // DNS rebinding (transports, "Security Warning"): a page on evil.example resolving to
        // 127.0.0.1 reaches a loopback server with its own Host and Origin; both must name us.
        guard(options.allowed_hosts, options.allowed_origins, "", net::is_loopback_host(options.host), true) {}

  McpServer& server;
  HttpOptions options;
  net::OriginGuard guard;
  std::unique_ptr<net::HttpServer> http_server;
  std::mutex mu;
  std::unordered_map<std::string, std::shared_ptr<HttpSession>> sessions;

  std::shared_ptr<HttpSession> find_session(std::string_view id) {
    std::lock_guard lock(mu);
    auto it = sessions.find(std::string(id));
    if (it == sessions.end()) return nullptr;
    it->second->last_used = now_ticks();
    return it->second;
  }

  void add_session(const std::shared_ptr<HttpSession>& s) {
    std::lock_guard lock(mu);
    // Clients that never DELETE (most of them) would grow this map forever: evict the idlest.
    while (sessions.size() >= options.max_sessions && !sessions.empty()) {
      auto oldest = sessions.begin();
      for (auto it = sessions.begin(); it != sessions.end(); ++it)
        if (it->second->last_used < oldest->second->last_used) oldest = it;
      oldest->second->session->pending.close();
      oldest->second->close_stream();
      sessions.erase(oldest);
    }
    s->last_used = now_ticks();
    sessions[s->session->id] = s;
  }

  std::shared_ptr<HttpSession> remove_session(std::string_view id) {
    std::lock_guard lock(mu);
    auto it = sessions.find(std::string(id));
    if (it == sessions.end()) return nullptr;
    auto s = std::move(it->second);
    sessions.erase(it);
    return s;
  }

  // A front-door refusal (mcp/http_front) as the answer, told to the application first.
  // By value: g++ 12 destroys twice a temporary bound to a coroutine's reference parameter.
  net::awaitable<void> refuse(net::Exchange& ex, mcp::front::Refusal r) {
    if (options.on_refusal) options.on_refusal(mcp::front::reason_name(r.reason));
    auto res = mcp::front::to_response(r);
    co_await ex.respond(std::move(res));
  }

  net::awaitable<void> handle(net::Exchange& ex) {
    auto& req = ex.request();
    auto target = std::string_view(req.target());
    target = target.substr(0, target.find('?'));
    if (target != options.path) {
      {
        net::Response r_ =
            json_response(http::status::not_found, json::object{{"error", std::string_view("not found")}});
        co_await ex.respond(std::move(r_));
      }
      co_return;
    }
    if (!guard.host_allowed(trim_ows(req[http::field::host])) ||
        !guard.origin_allowed(trim_ows(req[http::field::origin]))) {
      {
        auto refusal_ = mcp::front::forbidden_host_or_origin();
        co_await refuse(ex, std::move(refusal_));
      }
      co_return;
    }
    switch (req.method()) {
      case http::verb::post:
        co_await post(ex);
        break;
      case http::verb::get:
        co_await get(ex);
        break;
      case http::verb::delete_:
        co_await del(ex);
        break;
      default: {
        auto refusal = mcp::front::method_not_allowed();
        if (options.on_refusal) options.on_refusal(mcp::front::reason_name(refusal.reason));
        auto res = mcp::front::to_response(refusal);
        res.set(http::field::allow, std::string_view("GET, POST, DELETE"));
        co_await ex.respond(std::move(res));
      }
    }
  }

  net::awaitable<void> post(net::Exchange& ex) {
    // The front door (mcp/http_front), shared with the gateway: media types, the body, the era.
    auto& req = ex.request();
    auto accepts = mcp::front::check_post_headers(req);
    if (!accepts) {
      co_await refuse(ex, std::move(accepts.error()));
      co_return;
    }
    auto message = mcp::front::parse_message(req.body());
    if (!message) {
      co_await refuse(ex, std::move(message.error()));
      co_return;
    }
    if (mcp::front::era_of(req, *message) == mcp::Era::modern)
      co_await post_modern(ex, *message, accepts->sse);
    else
      co_await post_legacy(ex, *message, trim_ows(req["Mcp-Session-Id"]), accepts->sse);
  }

  net::awaitable<void> post_modern(net::Exchange& ex, const mcp::Message& message, bool sse_ok) {
    auto& req = ex.request();
    if (auto refusal = mcp::front::check_modern(req, message)) {
      co_await refuse(ex, std::move(*refusal));
      co_return;
    }
    if (message.is_notification()) {
      {
        net::Response r_ = empty_response(http::status::accepted);
        co_await ex.respond(std::move(r_));
      }
      co_return;
    }
    const json::value& id = *message.id();
    if (message.method() == "tools/call") {
      if (auto refusal = check_param_headers(req, *message.params(), id)) {
        co_await refuse(ex, std::move(*refusal));
        co_return;
      }
    }
    PostOutlet outlet(ex, {}, sse_ok);
    // Tasks belong to the credentials that created them: a stateless request has nothing else
    // that names its principal, and another caller must not read or cancel the task.
    std::string owner;
    if (auto auth = req.find(http::field::authorization); auth != req.end()) owner = sha256_hex(auth->value());
    auto response = co_await server.impl().handle(message, ProtocolEra::modern, nullptr, outlet, owner);
    if (!response) response = rpc_error(id, code::internal_error, "no response");
    auto status = http::status::ok;
    if (auto* err = response->if_contains("error"))
      status = status_for(static_cast<int>(err->at("code").to_number<std::int64_t>()));
    co_await outlet.finish(*response, status);
  }

  // SEP-2243: a tool parameter annotated `x-mcp-header: Name` travels also as `Mcp-Param-Name`;
  // the front door holds the headers to this server's own tool's annotations.
  std::optional<mcp::front::Refusal> check_param_headers(const net::Request& req, const json::object& params,
                                                         const json::value& id) {
    auto* name = params.if_contains("name");
    if (!name || !name->is_string()) return std::nullopt;
    auto tool = server.impl().find_tool(name->get_string());
    if (!tool) return std::nullopt;
    return mcp::front::check_param_headers(req, mcp::param_headers_of(tool->input_schema), &params, id);
  }

  net::awaitable<void> post_legacy(net::Exchange& ex, const mcp::Message& message, std::string_view session_id,
                                   bool sse_ok) {
    if (message.is_request() && message.method() == "initialize") {
      auto hs = std::make_shared<HttpSession>();
      hs->session->id = system_random().token(24);
      std::weak_ptr<HttpSession> weak = hs;
      hs->session->notify = [weak](json::object n) {
        auto s = weak.lock();
        return s && s->push(n);
      };
      PostOutlet outlet(ex, hs->session->id, sse_ok);
      auto response = co_await server.impl().handle(message, ProtocolEra::legacy, hs->session.get(), outlet);
      if (response && response->contains("result")) {
        add_session(hs);
        server.impl().attach(hs->session);
        co_await outlet.finish(*response, http::status::ok);
      } else {
        {
          net::Response r_ =
              json_response(http::status::bad_request,
                            response ? *response : rpc_error(nullptr, code::invalid_request, "bad initialize"));
          co_await ex.respond(std::move(r_));
        }
      }
      co_return;
    }
    const json::value null_id;
    const json::value& id = message.is_request() ? *message.id() : null_id;
    if (session_id.empty()) {
      {
        auto refusal_ = mcp::front::session_required(id);
        co_await refuse(ex, std::move(refusal_));
      }
      co_return;
    }
    auto hs = find_session(session_id);
    if (!hs) {
      {
        auto refusal_ = mcp::front::session_not_found(id);
        co_await refuse(ex, std::move(refusal_));
      }
      co_return;
    }
    if (message.is_reply()) {
      server.impl().deliver(*hs->session, message);
      {
        net::Response r_ = empty_response(http::status::accepted);
        co_await ex.respond(std::move(r_));
      }
      co_return;
    }
    PostOutlet outlet(ex, hs->session->id, sse_ok);
    auto response = co_await server.impl().handle(message, ProtocolEra::legacy, hs->session.get(), outlet);
    if (!response) {
      {
        net::Response r_ = empty_response(http::status::accepted);
        co_await ex.respond(std::move(r_));
      }
      co_return;
    }
    co_await outlet.finish(*response, http::status::ok);
  }

  net::awaitable<void> get(net::Exchange& ex) {
    auto& req = ex.request();
    auto session_id = trim_ows(req["Mcp-Session-Id"]);
    // 2026-07-28 has no standalone stream (subscriptions/listen replaces it); without a session
    // there is no stream to offer either (2025-11-25 transports: SSE or 405).
    if (mcp::front::modern_header(req) || session_id.empty()) {
      {
        auto refusal_ = mcp::front::method_not_allowed(
            session_id.empty() ? "Method not allowed: GET needs an Mcp-Session-Id" : "Method not allowed");
        co_await refuse(ex, std::move(refusal_));
      }
      co_return;
    }
    auto hs = find_session(session_id);
    if (!hs) {
      {
        auto refusal_ = mcp::front::session_not_found(nullptr);
        co_await refuse(ex, std::move(refusal_));
      }
      co_return;
    }
    if (auto refusal = mcp::front::check_stream_accept(req)) {
      co_await refuse(ex, std::move(*refusal));
      co_return;
    }
    auto channel = std::make_shared<StreamChannel>(ex.executor(), 256);
    {
      std::lock_guard lock(hs->mu);
      if (hs->stream) {
        channel.reset();
      } else {
        hs->stream = channel;
      }
    }
    if (!channel) {
      {
        net::Response r_ = json_response(
            http::status::conflict, rpc_error(nullptr, code::invalid_request, "Conflict: a stream is already open"));
        co_await ex.respond(std::move(r_));
      }
      co_return;
    }
    bool alive = co_await ex.start_stream(PostOutlet::sse_head(ex, hs->session->id));
    asio::steady_timer timer(ex.executor());
    // A client that goes away ends the wait at once (net::PeerWatch): the keep-alive write that
    // follows fails, and the session's stream slot is free for its next GET. The watch ends with
    // the stream (end_stream below), before the timer goes.
    ex.on_peer_gone([&timer] { timer.cancel(); });
    using namespace asio::experimental::awaitable_operators;
    while (alive) {
      timer.expires_after(options.sse_keepalive);
      auto r = co_await (channel->async_receive(net::as_tuple_awaitable) || timer.async_wait(net::as_tuple_awaitable));
      if (r.index() == 0) {
        auto [ec, data] = std::get<0>(std::move(r));
        if (ec) break;
        alive = co_await ex.write_chunk(net::format_sse(data));
      } else {
        // A comment line: keeps proxies from timing the stream out and finds dead peers.
        alive = co_await ex.write_chunk(": keepalive\n\n");
      }
    }
    {
      std::lock_guard lock(hs->mu);
      if (hs->stream == channel) hs->stream.reset();
    }
    co_await ex.end_stream();
  }

  net::awaitable<void> del(net::Exchange& ex) {
    auto& req = ex.request();
    auto session_id = trim_ows(req["Mcp-Session-Id"]);
    if (mcp::front::modern_header(req) || session_id.empty()) {
      {
        auto refusal_ = mcp::front::method_not_allowed();
        co_await refuse(ex, std::move(refusal_));
      }
      co_return;
    }
    auto hs = remove_session(session_id);
    if (!hs) {
      {
        auto refusal_ = mcp::front::session_not_found(nullptr);
        co_await refuse(ex, std::move(refusal_));
      }
      co_return;
    }
    hs->session->pending.close();
    hs->close_stream();
    {
      net::Response r_ = empty_response(http::status::ok);
      co_await ex.respond(std::move(r_));
    }
  }
};

HttpTransport::HttpTransport(McpServer& server, HttpOptions options)
    : impl_(std::make_unique<Impl>(server, std::move(options))) {}

HttpTransport::~HttpTransport() {
  stop();
  wait();
}

void HttpTransport::start() {
  net::ServerLimits limits;
  // Standalone GET streams live as long as the session; the keepalive bounds idleness instead.
  limits.idle_timeout = std::chrono::seconds(120);
  impl_->http_server = std::make_unique<net::HttpServer>(
      impl_->options.host, impl_->options.port, limits,
      [impl = impl_.get()](net::Exchange& ex) { return impl->handle(ex); }, impl_->options.threads);
  if (!impl_->options.tls_cert_file.empty() || !impl_->options.tls_key_file.empty()) {
    auto tls = net::TlsServerContext::create({impl_->options.tls_cert_file, impl_->options.tls_key_file});
    if (!tls) throw std::runtime_error("TLS: " + tls.error().message);
    impl_->http_server->set_tls(std::move(*tls));
  }
  impl_->http_server->start();
}

std::uint16_t HttpTransport::port() const {
  return impl_->http_server ? impl_->http_server->port() : 0;
}

void HttpTransport::stop() {
  if (!impl_->http_server) return;
  std::vector<std::shared_ptr<HttpSession>> all;
  {
    std::lock_guard lock(impl_->mu);
    for (auto& [k, s] : impl_->sessions) all.push_back(s);
  }
  for (auto& s : all) {
    s->session->pending.close();
    s->close_stream();
  }
  impl_->http_server->stop();
}

void HttpTransport::wait() {
  if (impl_->http_server) impl_->http_server->wait();
}

}  // namespace mcpgate
