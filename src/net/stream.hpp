#pragma once
// A byte stream that is plain TCP or TLS over TCP, chosen at run time. The HTTP client and server
// are written once against it: Beast's algorithms only need async_read_some/async_write_some, and
// dispatching on one pointer per operation costs nothing next to a system call.
#include <boost/asio/ssl/stream.hpp>
#include <memory>

#include "net/asio.hpp"
#include "net/connection_deadline.hpp"

namespace mcpgate::net {

namespace ssl = asio::ssl;

// A plain stream whose executor runs on one thread: its reads and writes are bounded by one
// ConnectionDeadline instead of beast::tcp_stream's timer per operation.
struct one_thread_t {};
inline constexpr one_thread_t one_thread{};

class Stream {
 public:
  using executor_type = asio::any_io_executor;
  using tls_stream = ssl::stream<beast::tcp_stream>;

  // Plain TCP.
  explicit Stream(asio::any_io_executor ex) : tcp_(std::make_unique<beast::tcp_stream>(ex)) {}
  explicit Stream(tcp::socket socket) : tcp_(std::make_unique<beast::tcp_stream>(std::move(socket))) {}
  Stream(asio::any_io_executor ex, one_thread_t)
      : tcp_(std::make_unique<beast::tcp_stream>(ex)),
        deadline_(std::make_unique<ConnectionDeadline>(ex, tcp_->socket())) {}
  Stream(tcp::socket socket, one_thread_t)
      : tcp_(std::make_unique<beast::tcp_stream>(std::move(socket))),
        deadline_(std::make_unique<ConnectionDeadline>(tcp_->get_executor(), tcp_->socket())) {}
  // TLS; `context` must outlive the stream (keep_alive holds whoever owns it).
  Stream(asio::any_io_executor ex, ssl::context& context, std::shared_ptr<const void> keep_alive)
      : keep_alive_(std::move(keep_alive)), tls_(std::make_unique<tls_stream>(ex, context)) {}
  Stream(tcp::socket socket, ssl::context& context, std::shared_ptr<const void> keep_alive)
      : keep_alive_(std::move(keep_alive)), tls_(std::make_unique<tls_stream>(std::move(socket), context)) {}

  bool is_tls() const { return tls_ != nullptr; }
  beast::tcp_stream& tcp_layer() { return tls_ ? tls_->next_layer() : *tcp_; }
  const beast::tcp_stream& tcp_layer() const { return tls_ ? tls_->next_layer() : *tcp_; }
  tcp::socket& socket() { return tcp_layer().socket(); }
  const tcp::socket& socket() const { return tcp_layer().socket(); }
  tls_stream* tls() { return tls_.get(); }
  executor_type get_executor() { return tcp_layer().get_executor(); }
  // Bounds the reads and writes that follow (connecting and handshakes go through tcp_layer()).
  void expires_after(std::chrono::steady_clock::duration d) {
    if (deadline_)
      deadline_->expires_after(d);
    else
      tcp_layer().expires_after(d);
  }
  void expires_never() {
    if (deadline_)
      deadline_->expires_never();
    else
      tcp_layer().expires_never();
  }
  // Idle in a pool: no deadline and no timer waiting.
  void rest() {
    if (deadline_)
      deadline_->rest();
    else
      tcp_layer().expires_never();
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_)
            tls_->async_read_some(b, std::move(handler));
          else if (deadline_)
            tcp_->socket().async_read_some(b, deadline_->wrap(std::move(handler)));
          else
            tcp_->async_read_some(b, std::move(handler));
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_)
            tls_->async_write_some(b, std::move(handler));
          else if (deadline_)
            tcp_->socket().async_write_some(b, deadline_->wrap(std::move(handler)));
          else
            tcp_->async_write_some(b, std::move(handler));
        },
        token, buffers);
  }

 private:
  // Declared first so that it is destroyed last: the TLS stream uses the context it keeps.
  std::shared_ptr<const void> keep_alive_;
  std::unique_ptr<beast::tcp_stream> tcp_;
  std::unique_ptr<tls_stream> tls_;
  // Declared last so that it is destroyed first: it detaches from the socket before it closes.
  std::unique_ptr<ConnectionDeadline> deadline_;
};

}  // namespace mcpgate::net
