#pragma once
// One deadline per plain-TCP connection, kept by one timer that is re-armed only when a deadline
// comes before the time it is armed for.
//
// beast::tcp_stream arms and cancels a timer around every read and write; a proxied request makes
// six of them (read the request, write it upstream, read the reply's head and body, write the
// answer), so twelve timer operations went through the scheduler per request for deadlines that
// almost never fire. Here setting a deadline stores a time; an operation arms the timer only if it
// is not armed already for an earlier time; when the timer fires early (the deadline moved on
// since), it re-arms for the new one. Deadlines only move forward on a busy connection, so the
// timer fires about once per timeout period instead of twelve times per request.
//
// Only for a stream whose executor runs on one thread (an HttpServer worker, a serving thread's
// HttpClient): the timer's handler and the operations share this state without a lock. Streams
// elsewhere keep beast::tcp_stream's own timeouts.
#include <chrono>
#include <memory>

#include "net/asio.hpp"

namespace mcpgate::net {

class ConnectionDeadline {
 public:
  using clock = std::chrono::steady_clock;

  // `socket` must outlive this object, or detach() must be called first.
  ConnectionDeadline(asio::any_io_executor ex, tcp::socket& socket)
      : state_(std::make_shared<State>(std::move(ex), socket)) {}
  ~ConnectionDeadline() { detach(); }
  ConnectionDeadline(const ConnectionDeadline&) = delete;
  ConnectionDeadline& operator=(const ConnectionDeadline&) = delete;

  void expires_after(clock::duration d) {
    state_->deadline = clock::now() + d;
    state_->fired = false;
  }
  void expires_never() {
    state_->deadline = clock::time_point::max();
    state_->fired = false;
  }

  // The connection waits in a pool with no operation: no deadline, and the timer's wait (which
  // would keep an io_context that runs to completion busy until it fires) is cancelled.
  void rest();

  // Around each read or write: begin() before starting it, and the completion handler `wrap`
  // returns reports a deadline that passed as beast::error::timeout (the socket was closed, as
  // beast::tcp_stream does).
  template <class Handler>
  auto wrap(Handler handler) {
    begin();
    auto ex = asio::get_associated_executor(handler, state_->timer.get_executor());
    return asio::bind_executor(ex, [s = state_, h = std::move(handler)](error_code ec, std::size_t n) mutable {
      --s->pending;
      if (s->fired && (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor))
        ec = beast::error::timeout;
      std::move(h)(ec, n);
    });
  }

  // The socket is going away: a timer still pending must not touch it.
  void detach();

 private:
  struct State {
    State(asio::any_io_executor ex, tcp::socket& s) : timer(std::move(ex)), socket(&s) {}
    asio::steady_timer timer;
    tcp::socket* socket;
    clock::time_point deadline = clock::time_point::max();
    clock::time_point armed_at = clock::time_point::max();  // max: no wait pending
    std::uint64_t generation = 0;                           // of the wait that counts
    int pending = 0;                                        // reads and writes in progress
    bool fired = false;                                     // the deadline closed the socket
  };
  void begin();
  static void arm(const std::shared_ptr<State>& s);
  static void on_timer(const std::shared_ptr<State>& s, std::uint64_t generation, error_code ec);

  std::shared_ptr<State> state_;
};

}  // namespace mcpgate::net
