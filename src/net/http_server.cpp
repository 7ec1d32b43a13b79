#include "net/http_server.hpp"

#include <sys/socket.h>
#ifdef __linux__
#include <linux/filter.h>
#endif

#include <future>
#include <stdexcept>
#include <unordered_set>
#include <utility>

#include "net/http_head.hpp"

namespace mcpgate::net {
namespace {
// How long a connection accepted before the listener closed has to begin its first request. Its
// client sends the request as soon as it is connected, so this covers network time only.
constexpr std::chrono::seconds kFirstRequestAfterClose{1};

// Makes the kernel drop new connection attempts to this listener (a TCP segment with SYN and
// without ACK) while the handshakes already under way complete: from then on the backlog can only
// shrink, so taking what is in it and closing resets nobody who connected. A client whose SYN is
// dropped sends it again about a second later, and by then meets a closed port (refused) or the
// replica that replaced this one. A socket filter on a TCP socket sees the segment from its TCP
// header on: byte 13 holds the flags. Accepted connections inherit the filter, which passes
// every segment of theirs (none is a bare SYN). False where this cannot be done.
bool refuse_new_handshakes(tcp::acceptor& acceptor) {
#ifdef __linux__
  constexpr std::uint32_t kSyn = 0x02, kAck = 0x10;
  sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),            // the TCP flags
      BPF_STMT(BPF_ALU | BPF_AND | BPF_K, kSyn | kAck),  //
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kSyn, 0, 1),   // SYN without ACK:
      BPF_STMT(BPF_RET | BPF_K, 0),                      //   dropped
      BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),            // anything else: kept whole
  };
  sock_fprog program{static_cast<unsigned short>(std::size(code)), code};
  return ::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == 0;
#else
  (void)acceptor;
  return false;
#endif
}
}  // namespace

struct HttpServer::Worker {
  asio::io_context io{1};
  std::unique_ptr<tcp::acceptor> acceptor;
  // Connections waiting for their next request, touched only on this worker's thread: a drain
  // closes them at once instead of waiting out their idle timeout.
  std::unordered_set<Stream*> idle;
  // Connections accepted and still waiting for their first request, same thread: once the
  // listener is closed, a drain gives them kFirstRequestAfterClose to send it.
  std::unordered_set<Stream*> fresh;
  std::unordered_set<Exchange*> active;  // exchanges in their handler, same thread
  // Keeps the thread running once the listener is closed during a drain (until stop()), so that
  // the drain's later steps still reach it.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
};

std::string Exchange::peer_address() const {
  error_code ec;
  auto ep = stream_.socket().remote_endpoint(ec);
  return ec ? std::string() : ep.address().to_string();
}

namespace {
// Over https, browsers are told to never come back over plain http (RFC 6797): the login and
// consent pages carry credentials. Browsers ignore the header on plain http, as the RFC requires.
template <class Message>
void add_hsts(const Stream& stream, Message& m) {
  if (stream.is_tls() && m.find(http::field::strict_transport_security) == m.end())
    m.set(http::field::strict_transport_security, "max-age=31536000");
}
}  // namespace

bool Exchange::cut() {
  if (responded_ || streaming_ || !cut_response_) return false;
  responded_ = true;
  cut_ = true;
  keep_alive_ = false;
  auto response = cut_response_();
  for (auto& [k, v] : extra_headers_) response.set(k, v);
  response.version(request_.version());
  response.keep_alive(false);
  response.prepare_payload();
  std::string bytes;
  append_head(bytes, response.base());
  bytes += response.body();
  error_code ec;
  if (auto* tls = stream_.tls())
    asio::write(*tls, asio::buffer(bytes), ec);
  else
    asio::write(stream_.socket(), asio::buffer(bytes), ec);
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  return true;
}

awaitable<void> Exchange::respond(Response response) {
  if (cut_) co_return;
  responded_ = true;
  stop_watch();
  if (peer_gone()) {
    keep_alive_ = false;  // nobody to answer
    co_return;
  }
  for (auto& [k, v] : extra_headers_) response.set(k, v);
  add_hsts(stream_, response);
  response.version(request_.version());
  response.keep_alive(request_.keep_alive() && response.keep_alive() && !draining());
  keep_alive_ = response.keep_alive();
  response.prepare_payload();
  // One gathered write: the head built here, the body as it is.
  std::string head;
  head.reserve(256);
  append_head(head, response.base());
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(response.body())};
  stream_.expires_after(limits_.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream_, buffers, as_tuple_awaitable);
  if (ec) keep_alive_ = false;
}

Exchange::~Exchange() {
  stop_watch();
}

void Exchange::stop_watch() {
  if (watch_) watch_->stop();
}

void Exchange::on_peer_gone(std::function<void()> f) {
  if (watch_)
    watch_->on_gone(std::move(f));
  else
    on_peer_gone_ = std::move(f);
}

void Exchange::watch_while_waiting() {
  if (watch_ || responded_ || cut_ || !on_peer_gone_) return;
  start_watch();
}

void Exchange::start_watch() {
  if (!watch_) watch_ = std::make_shared<PeerWatch>(stream_.socket());
  if (on_peer_gone_) watch_->on_gone(std::exchange(on_peer_gone_, nullptr));
  watch_->start();  // (a watch begun while the handler waited goes on)
}

awaitable<bool> Exchange::start_stream(http::response<http::empty_body> head) {
  if (cut_) co_return false;
  responded_ = true;
  streaming_ = true;
  for (auto& [k, v] : extra_headers_) head.set(k, v);
  add_hsts(stream_, head);
  head.version(request_.version());
  head.keep_alive(request_.keep_alive() && !draining());
  keep_alive_ = head.keep_alive();
  head.chunked(true);
  http::response_serializer<http::empty_body> sr(head);
  stream_.expires_after(limits_.write_timeout);
  auto [ec, n] = co_await http::async_write_header(stream_, sr, as_tuple_awaitable);
  if (ec) {
    keep_alive_ = false;
    co_return false;
  }
  start_watch();
  co_return true;
}

awaitable<bool> Exchange::write_chunk(std::string_view data) {
  if (!keep_alive_ && !streaming_) co_return false;
  if (peer_gone()) {
    keep_alive_ = false;
    streaming_ = false;
    co_return false;
  }
  stream_.expires_after(limits_.write_timeout);
  auto [ec, n] =
      co_await asio::async_write(stream_, http::make_chunk(asio::buffer(data.data(), data.size())), as_tuple_awaitable);
  if (ec) {
    keep_alive_ = false;
    streaming_ = false;
    co_return false;
  }
  co_return true;
}

awaitable<void> Exchange::end_stream() {
  stop_watch();
  if (!streaming_) co_return;
  streaming_ = false;
  if (peer_gone()) {
    keep_alive_ = false;
    co_return;
  }
  stream_.expires_after(limits_.write_timeout);
  if (draining()) {
    // MCP 2025-11-25 transports (SSE polling, SEP-1699): a server that closes an SSE stream SHOULD
    // first send the `retry` field, how long the client waits before it reconnects (to another
    // replica now, resuming with Last-Event-ID where it can).
    auto hint = "retry: " + std::to_string(drain_->retry_hint.count()) + "\n\n";
    auto [wec, wn] = co_await asio::async_write(stream_, http::make_chunk(asio::buffer(hint)), as_tuple_awaitable);
    if (wec) {
      keep_alive_ = false;
      co_return;
    }
  }
  auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(), as_tuple_awaitable);
  if (ec) keep_alive_ = false;
}

HttpServer::HttpServer(std::string host, std::uint16_t port, ServerLimits limits, Handler handler, unsigned threads)
    : host_(std::move(host)),
      port_(port),
      limits_(limits),
      handler_(std::move(handler)),
      thread_count_(threads == 0 ? 1 : threads) {}

HttpServer::~HttpServer() {
  stop(std::chrono::milliseconds(0));
  wait();
}

std::vector<asio::any_io_executor> HttpServer::executors() {
  std::vector<asio::any_io_executor> out;
  for (auto& w : workers_) out.push_back(w->io.get_executor());
  return out;
}

void HttpServer::start() {
  listen();
  run();
}

void HttpServer::listen() {
  auto address = asio::ip::make_address(host_);
  if (port_ != 0) {
    // SO_REUSEPORT, which lets every thread's acceptor share the port, would also let this process
    // share it with another one listening there already (same user): a second gateway started on a
    // port in use would take half of the first one's connections without a word. A socket without
    // it cannot bind beside a listener, so it finds out first.
    asio::io_context probe_io;
    tcp::acceptor probe(probe_io);
    tcp::endpoint ep(address, port_);
    error_code ec;
    probe.open(ep.protocol(), ec);
    if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(ep, ec);
    if (ec) throw std::runtime_error("cannot listen on " + host_ + ":" + std::to_string(port_) + ": " + ec.message());
  }
  for (unsigned i = 0; i < thread_count_; ++i) {
    auto w = std::make_unique<Worker>();
    w->acceptor = std::make_unique<tcp::acceptor>(w->io);
    tcp::endpoint ep(address, port_);
    w->acceptor->open(ep.protocol());
    w->acceptor->set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    ::setsockopt(w->acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    error_code ec;
    w->acceptor->bind(ep, ec);
    if (ec) throw std::runtime_error("cannot listen on " + host_ + ":" + std::to_string(port_) + ": " + ec.message());
    w->acceptor->listen(asio::socket_base::max_listen_connections);
    // Port 0 asks the kernel for a free port; the other threads' acceptors must share it.
    port_ = w->acceptor->local_endpoint().port();
    workers_.push_back(std::move(w));
  }
}

void HttpServer::run() {
  for (auto& w : workers_) {
    w->work.emplace(w->io.get_executor());
    asio::co_spawn(w->io, accept_loop(*w), asio::detached);
    asio::co_spawn(w->io, look_at_waiting(*w), asio::detached);
    threads_.emplace_back([&io = w->io] { io.run(); });
  }
}

void HttpServer::stop(std::chrono::milliseconds grace) {
  if (stopping_.exchange(true)) return;
  for (auto& w : workers_) {
    asio::post(w->io, [&w] {
      error_code ec;
      if (w->acceptor) w->acceptor->close(ec);
    });
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (connections_.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (auto& w : workers_) w->io.stop();
}

void HttpServer::begin_drain(std::chrono::milliseconds retry_hint) {
  drain_.retry_hint = retry_hint;
  if (drain_.draining.exchange(true)) return;
  for (auto& w : workers_)
    asio::post(w->io, [&w] {
      for (auto* s : w->idle) {
        error_code ec;
        s->socket().cancel(ec);
      }
    });
}

std::size_t HttpServer::cut_unanswered() {
  std::vector<std::future<std::size_t>> done;
  for (auto& w : workers_) {
    auto p = std::make_shared<std::promise<std::size_t>>();
    done.push_back(p->get_future());
    asio::post(w->io, [&w, p] {
      std::size_t n = 0;
      for (auto* ex : w->active) n += ex->cut() ? 1 : 0;
      p->set_value(n);
    });
  }
  std::size_t n = 0;
  for (auto& f : done)
    if (f.wait_for(std::chrono::seconds(2)) == std::future_status::ready) n += f.get();
  return n;
}

void HttpServer::close_listener() {
  std::vector<std::future<void>> done;
  for (auto& w : workers_) {
    auto p = std::make_shared<std::promise<void>>();
    done.push_back(p->get_future());
    asio::post(w->io, [this, &w, p] {
      if (!w->acceptor || !w->acceptor->is_open()) return p->set_value();
      // Closing at once would race the kernel: a handshake completing between the last accept
      // and the close is reset, after its client connected. So new attempts are dropped first,
      // and the ones under way are accepted (by the accept loop) as they complete.
      if (!refuse_new_handshakes(*w->acceptor)) {
        take_backlog_and_close(*w);
        return p->set_value();
      }
      auto settle = std::make_shared<asio::steady_timer>(w->io, limits_.handshakes_under_way);
      settle->async_wait([this, &w, p, settle](error_code) {
        take_backlog_and_close(*w);
        p->set_value();
      });
    });
  }
  // The caller (a drain) waits for in_flight() next: the backlog must be counted by then.
  for (auto& f : done) f.wait_for(limits_.handshakes_under_way + std::chrono::seconds(2));
}

void HttpServer::take_backlog_and_close(Worker& w) {
  error_code ec;
  if (!w.acceptor || !w.acceptor->is_open()) return;
  // Connections the kernel completed but nobody accepted yet would be reset by the close,
  // although their clients already sent a request: take them first and serve them.
  w.acceptor->non_blocking(true, ec);
  while (!ec) {
    tcp::socket socket(w.io);
    w.acceptor->accept(socket, ec);
    if (!ec) admit(std::move(socket), w);
  }
  w.acceptor->close(ec);
  // A connection accepted before the close, its request not begun, belongs to a client that
  // is sending one: the drain waits for it (in_flight() counts it), but not for long. One
  // that sends nothing by then is closed, which its client sees as a refused request.
  auto timer = std::make_shared<asio::steady_timer>(w.io, kFirstRequestAfterClose);
  timer->async_wait([&w, timer](error_code) {
    for (auto* s : w.fresh) {
      error_code ignored;
      s->socket().cancel(ignored);
    }
  });
}

void HttpServer::wait() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

awaitable<void> HttpServer::look_at_waiting(Worker& worker) {
  // Only exchanges in their handler at a look are watched (one MSG_PEEK each): most are answered
  // long before the next one, and a client that gave up on a slow call is found within a period.
  asio::steady_timer timer(worker.io);
  while (!stopping_) {
    timer.expires_after(limits_.waiting_peer_check);
    auto [ec] = co_await timer.async_wait(as_tuple_awaitable);
    if (ec) co_return;
    for (auto* ex : worker.active) ex->watch_while_waiting();
  }
}

awaitable<void> HttpServer::accept_loop(Worker& worker) {
  for (;;) {
    auto [ec, socket] = co_await worker.acceptor->async_accept(as_tuple_awaitable);
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping_ || !worker.acceptor->is_open()) co_return;
      continue;  // EMFILE and friends: keep serving the connections we have
    }
    if (connections_.load() >= limits_.max_connections) continue;  // socket closes on scope exit
    admit(std::move(socket), worker);
  }
}

void HttpServer::admit(tcp::socket socket, Worker& worker) {
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  // Counted from here, not from the coroutine's first step: a drain that looks in between
  // must not stop the server under a connection whose client is sending its request.
  ++fresh_;
  asio::co_spawn(worker.io, serve(std::move(socket), worker), asio::detached);
}

namespace {
Response plain_error(http::status status, std::string_view message) {
  Response res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = std::string(R"({"error":")") + std::string(message) + "\"}";
  res.keep_alive(false);
  return res;
}
}  // namespace

awaitable<void> HttpServer::serve(tcp::socket socket, Worker& worker) {
  ++connections_;
  struct Guard {
    std::atomic<std::size_t>& n;
    ~Guard() { --n; }
  } guard{connections_};
  // Uncounted from fresh_ once its first request is in flight, or when the connection ends.
  struct Fresh {
    std::atomic<std::size_t>& n;
    bool counted;
    void release() {
      if (counted) --n;
      counted = false;
    }
    ~Fresh() { release(); }
  } fresh{fresh_, true};

  std::unique_ptr<Stream> holder;
  if (tls_) {
    tls_->reload_if_changed();
    auto context = tls_->current();
    holder = std::make_unique<Stream>(std::move(socket), *context, context);
    // The handshake is bounded like a request: a client that opens TCP and stalls costs a
    // connection slot for request_timeout at most.
    holder->expires_after(limits_.request_timeout);
    worker.fresh.insert(holder.get());  // a drain's deadline for the first request covers this too
    bool secured = co_await tls_accept(*holder);
    worker.fresh.erase(holder.get());
    if (!secured) co_return;
  } else {
    holder = std::make_unique<Stream>(std::move(socket), one_thread);  // a worker is one thread
  }
  Stream& stream = *holder;
  beast::flat_buffer buffer;
  std::size_t served = 0;
  while (!stopping_) {
    // Waiting for the next request is bounded by the idle timeout; once its first byte is here,
    // the whole request must arrive within the request timeout (slowloris).
    if (buffer.size() == 0) {
      // A keep-alive connection between requests during a drain is closed, not kept (a new
      // connection still gets its first request answered, with `Connection: close`).
      if (served > 0 && drain_.draining) break;
      stream.expires_after(limits_.idle_timeout);
      auto& waiting = served > 0 ? worker.idle : worker.fresh;
      waiting.insert(&stream);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), as_tuple_awaitable);
      waiting.erase(&stream);
      if (ec) break;
      buffer.commit(n);
    }
    // In flight from the request's first byte, not from its last: a drain waits for a request
    // being received as for one being handled (its client has started sending it).
    ++in_flight_;
    fresh.release();
    struct InFlight {
      std::atomic<std::size_t>& n;
      ~InFlight() { --n; }
    } in_flight{in_flight_};
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser.body_limit(limits_.max_body_bytes);
    stream.expires_after(limits_.request_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, as_tuple_awaitable);
    if (ec) {
      std::optional<Response> answer;
      if (ec == http::error::body_limit)
        answer = plain_error(http::status::payload_too_large, "request body too large");
      else if (ec == http::error::header_limit)
        answer = plain_error(http::status::request_header_fields_too_large, "request header too large");
      else if (ec != http::error::end_of_stream && ec != beast::error::timeout && ec != asio::error::eof &&
               ec != asio::error::connection_reset && ec != asio::error::operation_aborted)
        answer = plain_error(http::status::bad_request, "malformed HTTP request");
      if (answer) {
        stream.expires_after(limits_.write_timeout);
        co_await http::async_write(stream, *answer, as_tuple_awaitable);
      }
      break;
    }
    stream.expires_never();
    Exchange exchange(stream, parser.release(), limits_, &drain_);
    bool failed = false;
    ++served;
    worker.active.insert(&exchange);
    try {
      co_await handler_(exchange);
    } catch (const std::exception&) {
      // A bug in a handler must cost one request, never the serving thread.
      failed = true;
    }
    worker.active.erase(&exchange);
    if (exchange.cut_ || exchange.peer_gone()) break;
    if (failed && !exchange.responded())
      co_await exchange.respond(plain_error(http::status::internal_server_error, "internal error"));
    if (failed && !exchange.keep_alive()) break;
    if (!exchange.responded())
      co_await exchange.respond(plain_error(http::status::internal_server_error, "no response"));
    if (!exchange.keep_alive()) break;
  }
  error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace mcpgate::net
