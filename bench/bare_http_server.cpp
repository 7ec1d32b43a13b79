// bench_bare_http: the machine's ceiling for one HTTP/1.1 exchange through mcpgate's own server
// (src/net/http_server.hpp), with no JSON-RPC, no MCP and no upstream. Whatever the gateway and
// the MCP library cost is measured against this.
//
//   bench_bare_http [--listen HOST:PORT] [--threads N]
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "net/http_server.hpp"

namespace net = mcpgate::net;

namespace {

// Roughly the size of a small tools/call result, so that the write path is comparable.
constexpr std::string_view kBody =
    R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"This is a simple text response for testing."}]}})";

bool parse_listen(std::string_view s, std::string& host, std::uint16_t& port) {
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos) return false;
  host = std::string(s.substr(0, colon));
  auto digits = s.substr(colon + 1);
  unsigned p = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || p > 65535) return false;
  port = static_cast<std::uint16_t>(p);
  return !host.empty();
}

int usage() {
  std::cerr << "usage: bench_bare_http [--listen HOST:PORT] [--threads N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  unsigned threads = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--listen" && i + 1 < argc) {
      if (!parse_listen(argv[++i], host, port)) return usage();
    } else if (arg == "--threads" && i + 1 < argc) {
      std::string_view v = argv[++i];
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), threads);
      if (ec != std::errc() || ptr != v.data() + v.size() || threads == 0) return usage();
    } else {
      return usage();
    }
  }

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  net::HttpServer server(
      host, port, net::ServerLimits{},
      [](net::Exchange& ex) -> net::awaitable<void> {
        net::Response res{net::http::status::ok, 11};
        res.set(net::http::field::content_type, "application/json");
        res.body() = std::string(kBody);
        co_await ex.respond(std::move(res));
      },
      threads);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "bench_bare_http: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "bench_bare_http: listening on port " << server.port() << "\n";
  std::fflush(stderr);
  int sig = 0;
  sigwait(&set, &sig);
  server.stop(std::chrono::milliseconds(500));
  server.wait();
  return 0;
}
