#include "net/http_client.hpp"

#include <boost/asio/ssl/error.hpp>

#include "net/http_head.hpp"
#include "net/proxy.hpp"

namespace mcpgate::net {

using steady = std::chrono::steady_clock;

namespace {
steady::duration remaining(steady::time_point deadline) {
  auto left = deadline - steady::now();
  return left > steady::duration::zero() ? left : steady::duration::zero();
}
}  // namespace

ResponseStream::ResponseStream(HttpClient& client, Endpoint ep, std::unique_ptr<Stream> stream,
                               std::unique_ptr<beast::flat_buffer> buffer)
    : client_(&client),
      endpoint_(std::move(ep)),
      stream_(std::move(stream)),
      buffer_(std::move(buffer)),
      parser_(std::make_unique<http::response_parser<http::string_body>>()) {
  parser_->header_limit(static_cast<std::uint32_t>(client.limits().max_header_bytes));
  parser_->body_limit(client.limits().max_body_bytes);
}

ResponseStream::~ResponseStream() {
  if (stream_ && !failed_ && parser_->is_done() && parser_->keep_alive())
    client_->give_back(endpoint_, std::move(stream_), std::move(buffer_));
}

void ResponseStream::abort() {
  failed_ = true;
  if (stream_) {
    error_code ec;
    stream_->socket().close(ec);
  }
}

awaitable<Result<std::string>> ResponseStream::next(steady::time_point deadline) {
  if (failed_) co_return fail("connection failed");
  std::string& body = parser_->get().body();
  if (body_read_ < body.size()) {
    std::string piece = body.substr(body_read_);
    body.clear();
    body_read_ = 0;
    co_return piece;
  }
  if (parser_->is_done()) co_return std::string();
  body.clear();
  body_read_ = 0;
  stream_->expires_after(remaining(deadline));
  auto [ec, n] = co_await http::async_read_some(*stream_, *buffer_, *parser_, as_tuple_awaitable);
  if (ec && !(ec == http::error::need_buffer)) {
    failed_ = true;
    co_return fail(ec == beast::error::timeout ? "upstream deadline exceeded"
                                               : "upstream read failed: " + ec.message());
  }
  std::string piece = std::move(parser_->get().body());
  parser_->get().body().clear();
  co_return piece;
}

awaitable<Result<std::string>> ResponseStream::read_all(steady::time_point deadline) {
  if (failed_) co_return fail("connection failed");
  if (!parser_->is_done()) {
    stream_->expires_after(remaining(deadline));
    auto [ec, n] = co_await http::async_read(*stream_, *buffer_, *parser_, as_tuple_awaitable);
    if (ec) {
      failed_ = true;
      co_return fail(ec == beast::error::timeout     ? "upstream deadline exceeded"
                     : ec == http::error::body_limit ? "upstream response too large"
                                                     : "upstream read failed: " + ec.message());
    }
  }
  std::string body = std::move(parser_->get().body());
  if (body_read_) body.erase(0, body_read_);
  co_return body;
}

namespace {

// CONNECT through a forward proxy (RFC 9110 §9.3.6); the TLS handshake then runs end to end
// inside the tunnel, so the proxy sees neither the request nor the certificate check's outcome.
awaitable<Result<void>> open_tunnel(beast::tcp_stream& s, const Endpoint& ep, const Proxy& proxy) {
  std::string authority =
      (ep.host.find(':') != std::string::npos ? "[" + ep.host + "]" : ep.host) + ":" + std::to_string(ep.port);
  std::string where = "proxy " + proxy.host + ":" + std::to_string(proxy.port);
  http::request<http::empty_body> req{http::verb::connect, authority, 11};
  req.set(http::field::host, authority);
  if (!proxy.authorization.empty()) req.set(http::field::proxy_authorization, proxy.authorization);
  auto [wec, wn] = co_await http::async_write(s, req, as_tuple_awaitable);
  if (wec) co_return fail(where + ": " + wec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  parser.skip(true);  // a 2xx answer to CONNECT has no body: the tunnel follows the header
  parser.header_limit(16 * 1024);
  auto [rec, rn] = co_await http::async_read_header(s, buffer, parser, as_tuple_awaitable);
  if (rec) co_return fail(where + ": " + rec.message());
  if (parser.get().result_int() / 100 != 2)
    co_return fail(where + " refused the tunnel to " + authority + ": HTTP " +
                   std::to_string(parser.get().result_int()));
  // Bytes before our ClientHello cannot come from the target: refuse rather than feed them to TLS.
  if (buffer.size() != 0) co_return fail(where + ": unexpected data before the tunnel opened");
  co_return Result<void>{};
}

}  // namespace

awaitable<Result<std::unique_ptr<Stream>>> HttpClient::connect(const Endpoint& ep, steady::time_point deadline) {
  std::string where = ep.host + ":" + std::to_string(ep.port);
  // https targets may go through HTTPS_PROXY; never a connection whose addresses must be vetted
  // (the proxy would resolve the name, and the vetting would be void).
  std::optional<Proxy> proxy;
  if (ep.tls && !limits_.refuse_address) proxy = https_proxy_for(ep.host);
  const std::string& dial_host = proxy ? proxy->host : ep.host;
  std::uint16_t dial_port = proxy ? proxy->port : ep.port;
  tcp::resolver resolver(executor_);
  // The resolver has no deadline of its own: a timer cancels it.
  asio::steady_timer timer(executor_);
  timer.expires_after(std::min<steady::duration>(remaining(deadline), limits_.connect_timeout));
  timer.async_wait([&resolver](const error_code& e) {
    if (!e) resolver.cancel();
  });
  auto [rec, results] = co_await resolver.async_resolve(dial_host, std::to_string(dial_port), as_tuple_awaitable);
  timer.cancel();
  if (rec) co_return fail("cannot resolve " + dial_host + ": " + rec.message());
  std::vector<tcp::endpoint> addresses;
  for (auto& r : results) {
    if (limits_.refuse_address && limits_.refuse_address(r.endpoint().address()))
      co_return fail(where + ": the host resolves to a private or reserved address");
    addresses.push_back(r.endpoint());
  }
  if (addresses.empty()) co_return fail("cannot resolve " + dial_host + ": no address");
  std::unique_ptr<Stream> stream;
  if (ep.tls) {
    auto s = ep.tls->make_stream(executor_, ep.host);
    if (!s) co_return fail(where + ": " + s.error().message);
    stream = std::move(*s);
  } else if (limits_.one_thread) {
    stream = std::make_unique<Stream>(executor_, one_thread);
  } else {
    stream = std::make_unique<Stream>(executor_);
  }
  // Connecting, the proxy's tunnel and the TLS handshake are bounded by the TCP layer's timer.
  stream->tcp_layer().expires_after(std::min<steady::duration>(remaining(deadline), limits_.connect_timeout));
  auto [cec, endpoint] = co_await stream->tcp_layer().async_connect(addresses, as_tuple_awaitable);
  if (cec)
    co_return fail("cannot connect to " + (proxy ? "proxy " + dial_host + ":" + std::to_string(dial_port) : where) +
                   ": " + cec.message());
  error_code ec;
  stream->socket().set_option(tcp::no_delay(true), ec);
  if (proxy) {
    stream->tcp_layer().expires_after(std::min<steady::duration>(remaining(deadline), limits_.connect_timeout));
    auto tunnel = co_await open_tunnel(stream->tcp_layer(), ep, *proxy);
    if (!tunnel) co_return fail(where + ": " + tunnel.error().message);
  }
  if (ep.tls) {
    stream->tcp_layer().expires_after(std::min<steady::duration>(remaining(deadline), limits_.connect_timeout));
    auto hs = co_await tls_handshake(*stream, where);
    if (!hs) co_return fail(hs.error().message);
  }
  stream->tcp_layer().expires_never();
  co_return stream;
}

void HttpClient::give_back(const Endpoint& ep, std::unique_ptr<Stream> stream,
                           std::unique_ptr<beast::flat_buffer> buf) {
  auto& v = idle_[ep];
  if (v.size() >= limits_.max_idle_per_host) return;
  stream->rest();
  v.push_back(Idle{std::move(stream), std::move(buf)});
}

awaitable<Result<std::unique_ptr<ResponseStream>>> HttpClient::send(const Endpoint& ep, Request& request,
                                                                    steady::time_point deadline, Stream** in_use) {
  Stream* unused = nullptr;
  Stream*& current = in_use ? *in_use : unused;
  struct Clear {
    Stream*& p;
    ~Clear() { p = nullptr; }
  } clear{current};
  request.prepare_payload();
  // The head is written once per request, not per attempt; the body is sent from where it is.
  std::string head;
  head.reserve(256);
  append_head(head, request.base());
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(request.body())};
  // A pooled connection may have been closed by the server while idle; one retry on a fresh
  // connection covers that race without retrying requests that reached the server.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Stream> stream;
    std::unique_ptr<beast::flat_buffer> buffer;
    bool reused = false;
    if (auto it = idle_.find(ep); it != idle_.end() && !it->second.empty()) {
      stream = std::move(it->second.back().stream);
      buffer = std::move(it->second.back().buffer);
      it->second.pop_back();
      reused = true;
    } else {
      auto fresh = co_await connect(ep, deadline);
      if (!fresh) co_return fail(fresh.error().message);
      stream = std::move(*fresh);
      buffer = std::make_unique<beast::flat_buffer>();
    }
    stream->expires_after(remaining(deadline));
    current = stream.get();
    auto [wec, wn] = co_await asio::async_write(*stream, buffers, as_tuple_awaitable);
    if (wec) {
      // (A connection the caller closed to give up is not tried again.)
      if (reused && stream->socket().is_open()) continue;
      co_return fail("upstream write failed: " + wec.message());
    }
    std::unique_ptr<ResponseStream> rs(new ResponseStream(*this, ep, std::move(stream), std::move(buffer)));
    current = rs->stream_.get();
    rs->stream_->expires_after(remaining(deadline));
    auto [rec, rn] = co_await http::async_read_header(*rs->stream_, *rs->buffer_, *rs->parser_, as_tuple_awaitable);
    if (rec) {
      rs->failed_ = true;
      if (reused && rs->stream_->socket().is_open() &&
          (rec == http::error::end_of_stream || rec == asio::error::connection_reset || rec == asio::error::eof ||
           rec == ssl::error::stream_truncated))
        continue;
      co_return fail(rec == beast::error::timeout ? "upstream deadline exceeded"
                                                  : "upstream response unreadable: " + rec.message());
    }
    co_return rs;
  }
  co_return fail("upstream connection lost");
}

}  // namespace mcpgate::net
