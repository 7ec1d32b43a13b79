// The HTTP/1.1 request parser with the limits HttpServer gives it: no crash, no read past the
// input, and the limits hold whatever the framing (Content-Length, chunked, pipelining).
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/http_server.hpp"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const mcpgate::net::ServerLimits limits = [] {
    mcpgate::net::ServerLimits l;
    l.max_body_bytes = 4096;  // small enough for the fuzzer to reach; the check is the same
    return l;
  }();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // Requests back to back on one connection, as the server reads them.
  while (!in.empty()) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    parser.eager(true);
    boost::system::error_code ec;
    std::size_t used = 0;
    while (!parser.is_done() && used < in.size()) {
      auto n = parser.put(boost::asio::buffer(in.data() + used, in.size() - used), ec);
      used += n;
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
      if (ec || n == 0) break;
    }
    if (ec || !parser.is_done()) return 0;
    auto& req = parser.get();
    if (req.body().size() > limits.max_body_bytes) std::abort();
    (void)req.target();
    (void)req.keep_alive();
    (void)req[http::field::host];
    (void)req[http::field::origin];
    if (used == 0) return 0;
    in.remove_prefix(used);
  }
  return 0;
}
