#include "fake_http_server.hpp"

#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include "core/ascii.hpp"

namespace mcpgate::testing {

namespace asio = net::asio;
namespace http = net::http;

FakeHttpServer::FakeHttpServer(Handler handler)
    : handler_(std::move(handler)), acceptor_(io_, net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

FakeHttpServer::~FakeHttpServer() {
  // Stopping the context abandons every coroutine where it waits (a hanging reply included);
  // destroying it closes their sockets.
  io_.stop();
  thread_.join();
}

std::vector<FakeRequest> FakeHttpServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

net::awaitable<void> FakeHttpServer::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(net::as_tuple_awaitable);
    if (ec) co_return;
    ++connections_;
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

net::awaitable<void> FakeHttpServer::serve(net::tcp::socket socket) {
  net::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    auto [ec, n] = co_await http::async_read(socket, buffer, req, net::as_tuple_awaitable);
    if (ec) co_return;
    FakeRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (auto& f : req) r.headers[ascii_lower(f.name_string())] = std::string(f.value());
    r.body = req.body();
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(r);
    }
    FakeReply reply = handler_(r);
    auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(reply.raw), net::as_tuple_awaitable);
    if (wec) co_return;
    if (reply.hang) {
      // Silent from here on; whatever the client still sends is read and dropped, so that its
      // close is seen.
      char sink[512];
      for (;;) {
        auto [rec, rn] = co_await socket.async_read_some(asio::buffer(sink), net::as_tuple_awaitable);
        if (rec) break;
      }
      ++hung_up_;
      co_return;
    }
    if (reply.close_after) {
      net::error_code ignored;
      socket.shutdown(net::tcp::socket::shutdown_both, ignored);
      co_return;
    }
  }
}

namespace {
std::string head(unsigned status, const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " +
                    std::string(http::obsolete_reason(static_cast<http::status>(status))) + "\r\n";
  for (auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  return out;
}
}  // namespace

std::string FakeHttpServer::response(unsigned status, const std::string& body,
                                     const std::vector<std::pair<std::string, std::string>>& headers) {
  return head(status, headers) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string FakeHttpServer::chunked(unsigned status, const std::vector<std::string>& chunks,
                                    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string out = head(status, headers) + "Transfer-Encoding: chunked\r\n\r\n";
  char size[32];
  for (auto& c : chunks) {
    std::snprintf(size, sizeof size, "%zx\r\n", c.size());
    out += size + c + "\r\n";
  }
  return out + "0\r\n\r\n";
}

}  // namespace mcpgate::testing
