#include "authserver/metadata_fetcher.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace mcpgate::authserver {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

bool is_forbidden_address(const asio::ip::address& a) {
  if (a.is_unspecified() || a.is_loopback() || a.is_multicast()) return true;
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    auto in = [&](unsigned o0, unsigned o1mask_lo, unsigned o1mask_hi) {
      return b[0] == o0 && b[1] >= o1mask_lo && b[1] <= o1mask_hi;
    };
    if (b[0] == 0 || b[0] == 10 || b[0] == 127) return true;                // this network, private, loopback
    if (in(100, 64, 127)) return true;                                      // CGNAT 100.64/10
    if (in(169, 254, 254)) return true;                                     // link-local (cloud metadata)
    if (in(172, 16, 31)) return true;                                       // private
    if (b[0] == 192 && b[1] == 168) return true;                            // private
    if (b[0] == 192 && b[1] == 0 && (b[2] == 0 || b[2] == 2)) return true;  // IETF, TEST-NET-1
    if (in(198, 18, 19)) return true;                                       // benchmarking
    if (b[0] == 198 && b[1] == 51 && b[2] == 100) return true;              // TEST-NET-2
    if (b[0] == 203 && b[1] == 0 && b[2] == 113) return true;               // TEST-NET-3
    if (b[0] >= 224) return true;                                           // multicast, reserved, broadcast
    return false;
  }
  auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) return is_forbidden_address(asio::ip::make_address_v4(asio::ip::v4_mapped, v6));
  if (v6.is_link_local() || v6.is_site_local() || v6.is_multicast()) return true;
  auto b = v6.to_bytes();
  if ((b[0] & 0xfe) == 0xfc) return true;                                         // unique local fc00::/7
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) return true;  // NAT64 64:ff9b::/96
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // documentation
  if (b[0] == 0x20 && b[1] == 0x02) return true;                                  // 6to4 can embed any v4
  bool v4_compat = true;                                                          // ::a.b.c.d (deprecated)
  for (int i = 0; i < 12; ++i) v4_compat &= b[std::size_t(i)] == 0;
  return v4_compat;
}

namespace {

template <class Stream>
net::awaitable<Result<std::string>> exchange(Stream& stream, http::request<http::empty_body>& req,
                                             std::size_t max_bytes) {
  auto [ec, n] = co_await http::async_write(stream, req, net::as_tuple_awaitable);
  if (ec) co_return fail("metadata document: write failed");
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_bytes);
  parser.header_limit(16 * 1024);
  auto [ec2, n2] = co_await http::async_read(stream, buf, parser, net::as_tuple_awaitable);
  if (ec2 == http::error::body_limit) co_return fail("metadata document: larger than the size limit");
  if (ec2) co_return fail("metadata document: read failed");
  auto& res = parser.get();
  // Redirects are not followed: the document must live at the client_id URL itself.
  if (res.result_int() != 200) co_return fail("metadata document: HTTP status " + std::to_string(res.result_int()));
  co_return std::move(res.body());
}

}  // namespace

net::awaitable<Result<std::string>> SafeMetadataFetcher::fetch(std::string url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) co_return fail("metadata document: not a URL");
  bool https = u->scheme() == "https";
  if (!https && !(options_.allow_private_addresses && u->scheme() == "http"))
    co_return fail("metadata document: https is required");
  std::string host(u->host_address());
  if (host.empty()) co_return fail("metadata document: no host");
  std::string port = u->has_port() ? std::string(u->port()) : (https ? "443" : "80");
  std::string target(u->encoded_target().empty() ? "/" : std::string(u->encoded_target()));

  auto ex = co_await asio::this_coro::executor;
  auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  tcp::resolver resolver(ex);
  asio::steady_timer timer(ex);
  timer.expires_at(deadline);
  timer.async_wait([&resolver](const boost::system::error_code& e) {
    if (!e) resolver.cancel();
  });
  auto [rec, results] = co_await resolver.async_resolve(host, port, net::as_tuple_awaitable);
  timer.cancel();
  if (rec) co_return fail("metadata document: cannot resolve the host");
  std::vector<tcp::endpoint> endpoints;
  for (auto& r : results) {
    // One forbidden address taints the name: an attacker controls which one we would pick.
    if (!options_.allow_private_addresses && is_forbidden_address(r.endpoint().address()))
      co_return fail("metadata document: the host resolves to a private or reserved address");
    endpoints.push_back(r.endpoint());
  }
  if (endpoints.empty()) co_return fail("metadata document: no address");

  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, std::string(u->encoded_host_and_port()));
  req.set(http::field::accept, "application/json");
  req.set(http::field::user_agent, "mcpgate-authserver");
  req.set(http::field::connection, "close");

  if (!https) {
    beast::tcp_stream stream(ex);
    stream.expires_at(deadline);
    auto [cec, ep] = co_await stream.async_connect(endpoints, net::as_tuple_awaitable);
    if (cec) co_return fail("metadata document: cannot connect");
    co_return co_await exchange(stream, req, options_.max_bytes);
  }
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_default_verify_paths();
  ctx.set_verify_mode(ssl::verify_peer);
  ctx.set_options(ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  beast::ssl_stream<beast::tcp_stream> stream(ex, ctx);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()))
    co_return fail("metadata document: TLS setup failed");
  stream.set_verify_callback(ssl::host_name_verification(host));
  beast::get_lowest_layer(stream).expires_at(deadline);
  auto [cec, ep] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, net::as_tuple_awaitable);
  if (cec) co_return fail("metadata document: cannot connect");
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, net::as_tuple_awaitable);
  if (hec) co_return fail("metadata document: TLS handshake or certificate verification failed");
  co_return co_await exchange(stream, req, options_.max_bytes);
}

}  // namespace mcpgate::authserver
