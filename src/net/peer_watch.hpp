#pragma once
// Notices that the client of a streaming response has closed or reset its connection while the
// server has nothing to write to it.
//
// A TCP peer's close is only seen by reading. A server that streams (SSE) never reads the
// connection until the stream ends, so a client that went away stayed in CLOSE-WAIT, counted in
// flight and held whatever the stream held (an upstream stream, a session's listener slot) until
// the next event or keep-alive write failed: up to one keep-alive period per abandoned stream,
// which a client that opens a stream per call turns into hundreds of dead connections.
//
// The watch waits for the socket to become readable and then looks (MSG_PEEK: nothing is taken
// from the stream) at what arrived. An end of stream or an error is the peer gone. Bytes are
// something else the client sent (a pipelined request, a TLS alert): they stay for whoever reads
// next, and the watch checks for a hang-up (POLLRDHUP) now and again until the stream ends, since
// readiness does not fire again for bytes already there.
#include <boost/asio/cancellation_signal.hpp>
#include <functional>
#include <memory>

#include "net/asio.hpp"

namespace mcpgate::net {

class PeerWatch : public std::enable_shared_from_this<PeerWatch> {
 public:
  // `socket` must stay open until stop(); everything runs on the socket's (one) thread.
  explicit PeerWatch(tcp::socket& socket);

  // Looks at the socket now (a peer that left before the stream began is seen at once), then
  // waits.
  void start();
  // Ends the watch; the socket may go away after this returns.
  void stop();
  bool gone() const { return gone_; }
  // Runs `f` once, when the peer is found gone (at once if it already is). One callback at a time.
  void on_gone(std::function<void()> f);

  // How often a watch that found unread bytes looks for a hang-up.
  static constexpr std::chrono::seconds kRecheck{1};

 private:
  enum class Look { nothing, bytes, gone };
  Look look() const;
  void check();
  void wait_readable();
  void mark_gone();

  tcp::socket* socket_;
  asio::steady_timer recheck_;
  asio::cancellation_signal cancel_wait_;
  std::function<void()> on_gone_;
  bool started_ = false;
  bool stopped_ = false;
  bool gone_ = false;
};

}  // namespace mcpgate::net
