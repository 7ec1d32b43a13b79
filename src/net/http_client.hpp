#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "net/asio.hpp"
#include "net/stream.hpp"
#include "net/tls_client.hpp"

namespace mcpgate::net {

struct ClientLimits {
  std::size_t max_body_bytes = 16 * 1024 * 1024;
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_idle_per_host = 64;
  std::chrono::milliseconds connect_timeout{5'000};
  // The client's executor runs on one thread (a serving thread's): plain connections then keep one
  // deadline each (net/connection_deadline.hpp) instead of a timer armed per read and write.
  bool one_thread = false;
  // When set, a name that resolves to any address this refuses is not connected to at all (one
  // forbidden address taints the name: an attacker controls which one would be picked), and the
  // connection goes to exactly the vetted addresses, so a second DNS answer cannot differ.
  std::function<bool(const asio::ip::address&)> refuse_address;
};

struct Endpoint {
  std::string host;
  std::uint16_t port = 80;
  // Null: plain TCP. Connections are pooled per context, so two targets with different CA files
  // or client certificates never share a connection.
  std::shared_ptr<TlsClientContext> tls;
  bool operator<(const Endpoint& o) const { return std::tie(host, port, tls) < std::tie(o.host, o.port, o.tls); }
};

class HttpClient;

// A response whose body is read as it arrives (SSE), or all at once. The connection goes back to
// the pool only when the body was read to its end and the server allows keep-alive.
class ResponseStream {
 public:
  ~ResponseStream();
  const http::response_header<>& head() const { return parser_->get().base(); }
  unsigned status() const { return parser_->get().result_int(); }
  // The next piece of the body; an empty string with done() true at the end.
  awaitable<Result<std::string>> next(std::chrono::steady_clock::time_point deadline);
  awaitable<Result<std::string>> read_all(std::chrono::steady_clock::time_point deadline);
  bool done() const { return parser_->is_done(); }
  // An event stream has no natural end: its size is bounded per event by the SSE parser instead.
  void unlimited_body() { parser_->body_limit(boost::none); }
  // Abandons the body (the connection is closed, not reused).
  void abort();

 private:
  friend class HttpClient;
  ResponseStream(HttpClient& client, Endpoint ep, std::unique_ptr<Stream> stream,
                 std::unique_ptr<beast::flat_buffer> buffer);
  HttpClient* client_;
  Endpoint endpoint_;
  std::unique_ptr<Stream> stream_;
  std::unique_ptr<beast::flat_buffer> buffer_;
  std::unique_ptr<http::response_parser<http::string_body>> parser_;
  std::size_t body_read_ = 0;
  bool failed_ = false;
};

// A keep-alive HTTP/1.1 client, plain or TLS (Endpoint::tls), used by every outbound call. One
// instance per thread: it is not thread-safe, and that is why it needs no lock. Redirects are never
// followed: callers see the 3xx.
class HttpClient {
 public:
  HttpClient(asio::any_io_executor executor, ClientLimits limits = {}) : executor_(executor), limits_(limits) {}

  // Sends `request` and reads the response header. Every step is bounded by `deadline`.
  // `in_use`, when given, points at the connection while the request is written and its answer's
  // head awaited (null otherwise), so that the caller can close it to give up early.
  awaitable<Result<std::unique_ptr<ResponseStream>>> send(const Endpoint& ep, Request& request,
                                                          std::chrono::steady_clock::time_point deadline,
                                                          Stream** in_use = nullptr);
  const ClientLimits& limits() const { return limits_; }

 private:
  friend class ResponseStream;
  void give_back(const Endpoint& ep, std::unique_ptr<Stream> stream, std::unique_ptr<beast::flat_buffer> buf);
  awaitable<Result<std::unique_ptr<Stream>>> connect(const Endpoint& ep,
                                                     std::chrono::steady_clock::time_point deadline);

  struct Idle {
    std::unique_ptr<Stream> stream;
    std::unique_ptr<beast::flat_buffer> buffer;
  };
  asio::any_io_executor executor_;
  ClientLimits limits_;
  std::map<Endpoint, std::vector<Idle>> idle_;
};

}  // namespace mcpgate::net
