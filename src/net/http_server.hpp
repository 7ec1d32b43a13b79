#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/asio.hpp"
#include "net/peer_watch.hpp"
#include "net/stream.hpp"
#include "net/tls_server.hpp"

namespace mcpgate::net {

struct ServerLimits {
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  // From the first byte of a request to its last: bounds slow-header and slow-body clients.
  std::chrono::milliseconds request_timeout{10'000};
  // How long a keep-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout{60'000};
  // Each write to a slow reader.
  std::chrono::milliseconds write_timeout{30'000};
  std::size_t max_connections = 20'000;
  // When a drain closes the listener: new connection attempts are dropped first (Linux), and the
  // handshakes already under way get this long to complete and be accepted before the close.
  // About the longest round trip of a client that should not be reset: the close waits for it.
  std::chrono::milliseconds handshakes_under_way{250};
  // How often the exchanges still in their handler with nothing written are looked at for a
  // client that went away (Exchange::on_peer_gone). A stream is watched from its head on instead.
  std::chrono::milliseconds waiting_peer_check{1000};
};

// Shared by a server and its exchanges: once draining, every response says `Connection: close`
// and every SSE stream ends with a `retry:` hint, so that clients reconnect to another replica.
struct DrainState {
  std::atomic<bool> draining{false};
  std::chrono::milliseconds retry_hint{1000};
};

// One request and its answer. The handler either responds once, or opens a chunked stream (SSE)
// and writes to it until it ends the stream or the peer goes away.
class Exchange {
 public:
  Exchange(Stream& stream, Request request, const ServerLimits& limits, const DrainState* drain = nullptr)
      : stream_(stream), request_(std::move(request)), limits_(limits), drain_(drain) {}
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const Request& request() const { return request_; }
  Request& request() { return request_; }
  asio::any_io_executor executor() { return stream_.get_executor(); }
  std::string peer_address() const;

  awaitable<void> respond(Response response);
  // Returns false when the peer is gone. From the head on, the connection is watched (PeerWatch).
  awaitable<bool> start_stream(http::response<http::empty_body> head);
  awaitable<bool> write_chunk(std::string_view data);
  awaitable<void> end_stream();

  // The client closed or reset the connection (seen while a stream is open, or while the handler
  // waits with on_peer_gone set). What is written after that is dropped (write_chunk returns
  // false, respond writes nothing), and the connection closes when the handler ends.
  bool peer_gone() const { return watch_ && watch_->gone(); }
  // Runs `f` on this connection's thread when the client goes away (at once if it has), so that a
  // handler waiting for something to write stops waiting. A stream is watched from its head on; an
  // exchange that has written nothing yet is watched once it has waited a while (the server looks
  // every ServerLimits::waiting_peer_check, so that a quick answer costs nothing). Whatever `f`
  // uses must outlive the exchange, or `f` must be replaced (by nullptr) before it goes.
  void on_peer_gone(std::function<void()> f);

  // Added to whatever response this exchange sends (CORS headers, for one).
  void add_header(std::string name, std::string value) {
    extra_headers_.emplace_back(std::move(name), std::move(value));
  }

  // The id naming this exchange in logs, sent back as X-Request-Id on whatever response follows;
  // set by the application's handler (empty: none is sent).
  void set_request_id(std::string id) {
    request_id_ = std::move(id);
    add_header("X-Request-Id", request_id_);
  }
  const std::string& request_id() const { return request_id_; }

  // What a drain answers at its grace deadline if this exchange is still waiting then (nothing
  // written yet): set by a handler before it waits on something slow.
  // A factory, so that the common case (never cut) builds nothing.
  void set_cut_response(std::function<Response()> make) { cut_response_ = std::move(make); }

  bool responded() const { return responded_; }
  // The request came over TLS on this connection (not through a terminating proxy).
  bool secure() const { return stream_.is_tls(); }
  bool keep_alive() const { return keep_alive_ && !peer_gone(); }

 private:
  Stream& stream_;
  Request request_;
  const ServerLimits& limits_;
  const DrainState* drain_;
  bool draining() const { return drain_ && drain_->draining.load(); }
  bool responded_ = false;
  bool streaming_ = false;
  bool keep_alive_ = true;
  std::vector<std::pair<std::string, std::string>> extra_headers_;
  std::string request_id_;
  std::function<Response()> cut_response_;
  std::shared_ptr<PeerWatch> watch_;    // while streaming
  std::function<void()> on_peer_gone_;  // until the watch starts
  void stop_watch();
  // From the server's periodic look: a handler still waiting, with on_peer_gone set, is watched.
  void watch_while_waiting();
  // Watches the connection from now on (once), handing it the callback set so far.
  void start_watch();
  bool cut_ = false;  // answered by the drain: whatever the handler writes later is dropped
  friend class HttpServer;
  // Writes cut_response_ now, synchronously (a small answer into an idle socket), and closes.
  bool cut();
};

using Handler = std::function<awaitable<void>(Exchange&)>;

// An HTTP/1.1 server that uses every core: one io_context per thread, each with its own
// SO_REUSEPORT acceptor, so connections spread across threads with no shared lock.
class HttpServer {
 public:
  HttpServer(std::string host, std::uint16_t port, ServerLimits limits, Handler handler, unsigned threads);
  ~HttpServer();

  // Serve TLS (before start()). Each connection takes the context current when it is accepted.
  void set_tls(std::shared_ptr<TlsServerContext> tls) { tls_ = std::move(tls); }
  const std::shared_ptr<TlsServerContext>& tls() const { return tls_; }

  // Binds and listens (throws with the address on failure: a start-up error), then runs.
  void start();
  // start() in two steps: listen() binds (connections wait in the backlog) and makes
  // executors() available; run() starts accepting. What the handler needs is built in between,
  // so that no request arrives before it exists.
  void listen();
  void run();
  // Stops accepting, lets in-flight exchanges finish for `grace`, then closes what remains.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
  void wait();

  // Graceful drain, in steps (the caller paces them): from begin_drain() on, every response
  // closes its connection, idle keep-alive connections are closed and streams end with a retry
  // hint; close_listener() refuses new connections; in_flight() counts the exchanges still
  // being handled.
  void begin_drain(std::chrono::milliseconds retry_hint);
  // New connection attempts are dropped at once (Linux) and the listener closes once the handshakes
  // under way have completed (ServerLimits::handshakes_under_way), their connections accepted.
  // Blocks until every serving thread has done it (at most that + 2 s).
  void close_listener();
  bool draining() const { return drain_.draining.load(); }
  // At the grace deadline: answers every exchange still waiting that has a cut response (and has
  // written nothing yet) with it, and closes its connection. Returns how many. Blocks until the
  // serving threads have done it.
  std::size_t cut_unanswered();
  // Requests being received or handled, and connections accepted whose first request has not
  // begun: their clients connected before the listener closed and are sending it (after the close
  // they get kFirstRequestAfterClose to do so).
  std::size_t in_flight() const { return in_flight_.load() + fresh_.load(); }

  std::uint16_t port() const { return port_; }
  const std::string& host() const { return host_; }
  // The executors of the serving threads, so that other components can share them.
  std::vector<asio::any_io_executor> executors();
  std::size_t active_connections() const { return connections_.load(); }

 private:
  struct Worker;
  awaitable<void> accept_loop(Worker& worker);
  // Every ServerLimits::waiting_peer_check: starts watching the exchanges that still wait.
  awaitable<void> look_at_waiting(Worker& worker);
  // The last step of close_listener() on `worker`'s thread: takes every connection left in the
  // kernel's backlog, closes the acceptor, and gives the connections not yet sending a deadline.
  void take_backlog_and_close(Worker& worker);
  // A connection just accepted (by the accept loop or from the backlog): counted in fresh_, served.
  void admit(tcp::socket socket, Worker& worker);
  // Counted in fresh_ by whoever accepted it (before this coroutine starts) until its first request
  // is in flight (or the connection ends).
  awaitable<void> serve(tcp::socket socket, Worker& worker);

  std::string host_;
  std::uint16_t port_;
  ServerLimits limits_;
  Handler handler_;
  std::shared_ptr<TlsServerContext> tls_;
  unsigned thread_count_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> connections_{0};
  std::atomic<bool> stopping_{false};
  DrainState drain_;
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<std::size_t> fresh_{0};
};

}  // namespace mcpgate::net
