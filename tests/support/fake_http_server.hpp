#pragma once
// A scripted HTTP/1.1 server on 127.0.0.1 port 0, for tests of the gateway's HTTP clients. It is
// deliberately not the product's HttpServer: each answer is the raw bytes the test wrote, so a
// test can send what a real server would (chunked bodies, SSE, redirects) and what a broken or
// hostile one would (an endless header, a body past its limit, no answer at all).
//
// Runs on its own thread; the handler is called on that thread, one request at a time.
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "net/asio.hpp"

namespace mcpgate::testing {

struct FakeRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct FakeReply {
  std::string raw;           // written as is
  bool close_after = false;  // then the connection is closed
  bool hang =
      false;  // then nothing more: the connection stays open, silent, until its client closes it or the server stops
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeReply(const FakeRequest&)>;
  explicit FakeHttpServer(Handler handler);
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::vector<FakeRequest> requests() const;
  int connections() const { return connections_.load(); }
  // Connections left hanging (FakeReply::hang) that their client has since closed.
  int hung_up() const { return hung_up_.load(); }

  // A complete response with Content-Length.
  static std::string response(unsigned status, const std::string& body,
                              const std::vector<std::pair<std::string, std::string>>& headers = {});
  // A chunked response, one chunk per element (RFC 9112 §7.1).
  static std::string chunked(unsigned status, const std::vector<std::string>& chunks,
                             const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  net::awaitable<void> accept_loop();
  net::awaitable<void> serve(net::tcp::socket socket);

  Handler handler_;
  net::asio::io_context io_;
  net::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::vector<FakeRequest> requests_;
  std::atomic<int> connections_{0};
  std::atomic<int> hung_up_{0};
  std::thread thread_;
};

// Runs a coroutine to completion on a fresh io_context of the calling thread, and returns its value.
template <class F>
auto run_coroutine(F f) {
  net::asio::io_context io;
  auto fut = net::asio::co_spawn(io, f(io.get_executor()), net::asio::use_future);
  io.run();
  return fut.get();
}

}  // namespace mcpgate::testing
