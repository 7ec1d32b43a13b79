#include "authserver/metadata_fetcher.hpp"

#include <boost/url/parse.hpp>

#include "net/http_client.hpp"
#include "net/tls_client.hpp"

namespace mcpgate::authserver {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
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

net::awaitable<Result<std::string>> SafeMetadataFetcher::fetch(std::string url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) co_return fail("metadata document: not a URL");
  bool https = u->scheme() == "https";
  if (!https && !(options_.allow_private_addresses && u->scheme() == "http"))
    co_return fail("metadata document: https is required");
  std::string host(u->host_address());
  if (host.empty()) co_return fail("metadata document: no host");
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::uint16_t port = u->has_port() ? u->port_number() : (https ? 443 : 80);
  if (port == 0) co_return fail("metadata document: bad port");
  std::string target(u->encoded_target().empty() ? "/" : std::string(u->encoded_target()));

  // The one HTTP client (net/http_client), with the address vetting as its connect policy: the
  // name is resolved once, every address checked, and only those addresses are connected to.
  net::ClientLimits limits;
  limits.max_body_bytes = options_.max_bytes;
  limits.max_header_bytes = 16 * 1024;
  limits.max_idle_per_host = 0;
  limits.connect_timeout = options_.timeout;
  if (!options_.allow_private_addresses) limits.refuse_address = is_forbidden_address;
  auto ex = co_await asio::this_coro::executor;
  net::HttpClient client(ex, limits);
  net::Request req{http::verb::get, target, 11};
  req.set(http::field::host, std::string(u->encoded_host_and_port()));
  req.set(http::field::accept, "application/json");
  req.set(http::field::user_agent, "mcpgate-authserver");
  req.set(http::field::connection, "close");
  auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  net::Endpoint endpoint{host, port, https ? net::TlsClientContext::system_default() : nullptr};
  auto sent = co_await client.send(endpoint, req, deadline);
  if (!sent) co_return fail("metadata document " + url + ": " + sent.error().message);
  auto body = co_await (*sent)->read_all(deadline);
  if (!body) co_return fail("metadata document " + url + ": " + body.error().message);
  // Redirects are not followed: the document must live at the client_id URL itself.
  if ((*sent)->status() != 200) co_return fail("metadata document: HTTP status " + std::to_string((*sent)->status()));
  co_return std::move(*body);
}

}  // namespace mcpgate::authserver
