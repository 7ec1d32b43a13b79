#include "net/peer_watch.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <cerrno>

namespace mcpgate::net {

PeerWatch::PeerWatch(tcp::socket& socket) : socket_(&socket), recheck_(socket.get_executor()) {}

void PeerWatch::start() {
  if (started_ || stopped_) return;
  started_ = true;
  check();
}

void PeerWatch::stop() {
  if (stopped_) return;
  stopped_ = true;
  on_gone_ = nullptr;
  cancel_wait_.emit(asio::cancellation_type::terminal);
  recheck_.cancel();
}

void PeerWatch::on_gone(std::function<void()> f) {
  if (gone_) {
    if (f) f();
    return;
  }
  on_gone_ = std::move(f);
}

PeerWatch::Look PeerWatch::look() const {
  char byte;
  auto n = ::recv(socket_->native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return Look::gone;  // the peer's FIN: it sends nothing more
  if (n > 0) {
    // Bytes first; a FIN may be queued behind them (a TLS close_notify, then the close).
    pollfd p{socket_->native_handle(), POLLRDHUP, 0};
    if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) return Look::gone;
    return Look::bytes;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return Look::nothing;
  return Look::gone;  // reset, or the socket is no longer usable
}

void PeerWatch::check() {
  if (stopped_ || gone_) return;
  switch (look()) {
    case Look::gone:
      mark_gone();
      return;
    case Look::nothing:
      wait_readable();
      return;
    case Look::bytes:
      recheck_.expires_after(kRecheck);
      recheck_.async_wait([self = shared_from_this()](error_code ec) {
        if (!ec) self->check();
      });
      return;
  }
}

void PeerWatch::wait_readable() {
  // The serving thread's epoll reports readiness edges only: a wait started after the bytes came
  // would not complete, which is why check() looked first.
  socket_->async_wait(tcp::socket::wait_read,
                      asio::bind_cancellation_slot(cancel_wait_.slot(), [self = shared_from_this()](error_code ec) {
                        if (self->stopped_) return;
                        // An error that is not ours (the connection's deadline closed the socket)
                        // means the connection is over too.
                        if (ec) {
                          self->mark_gone();
                          return;
                        }
                        self->check();
                      }));
}

void PeerWatch::mark_gone() {
  gone_ = true;
  if (auto f = std::move(on_gone_)) {
    on_gone_ = nullptr;
    f();
  }
}

}  // namespace mcpgate::net
