#include "client/loopback_listener.hpp"

#include "net/asio.hpp"

namespace mcpgate::client {
namespace asio = net::asio;
namespace http = net::http;
namespace beast = net::beast;
using tcp = asio::ip::tcp;

struct LoopbackListener::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
};

LoopbackListener::LoopbackListener(std::unique_ptr<Impl> impl, std::uint16_t port)
    : impl_(std::move(impl)), port_(port) {}
LoopbackListener::~LoopbackListener() = default;

Result<std::unique_ptr<LoopbackListener>> LoopbackListener::open(std::uint16_t port) {
  auto impl = std::make_unique<Impl>();
  boost::system::error_code ec;
  tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"), port);
  impl->acceptor.open(ep.protocol(), ec);
  // The port of an earlier sign-in may still hold connections in TIME_WAIT.
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(8, ec);
  if (ec)
    return fail("cannot listen on 127.0.0.1:" + std::to_string(port) + " for the login redirect: " + ec.message());
  auto bound = impl->acceptor.local_endpoint().port();
  return std::unique_ptr<LoopbackListener>(new LoopbackListener(std::move(impl), bound));
}

Result<void> LoopbackListener::wait(const Judge& judge, std::chrono::seconds timeout) {
  bool finished = false;
  auto serve = [&]() -> net::awaitable<void> {
    while (!finished) {
      auto [ec, socket] = co_await impl_->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      beast::flat_buffer buffer;
      http::request_parser<http::empty_body> parser;
      parser.header_limit(16 * 1024);
      beast::tcp_stream stream(std::move(socket));
      stream.expires_after(std::chrono::seconds(10));
      [[maybe_unused]] auto [rec, n] =
          co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (rec) continue;  // a half-open or slow connection must not end the login
      auto& req = parser.get();
      Verdict v;
      if (req.method() != http::verb::get)
        v = {false, 405, "Method not allowed."};
      else
        v = judge(std::string_view(req.target().data(), req.target().size()));
      http::response<http::string_body> res{static_cast<http::status>(v.status), 11};
      res.set(http::field::content_type, "text/html; charset=utf-8");
      res.set(http::field::cache_control, "no-store");
      // The page is ours and static; nothing on it may be framed or run script.
      res.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
      res.set(http::field::connection, "close");
      res.body() = "<!doctype html><meta charset=utf-8><title>mcpgate</title><p>" + v.page + "</p>";
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      if (v.done) finished = true;
    }
  };
  asio::co_spawn(impl_->io, serve(), asio::detached);
  impl_->io.run_for(timeout);
  if (!finished) return fail("no answer from the browser within " + std::to_string(timeout.count()) + " s");
  return {};
}

}  // namespace mcpgate::client
