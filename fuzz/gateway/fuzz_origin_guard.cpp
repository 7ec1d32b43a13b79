// The DNS-rebinding defence (MCP transports, "Security Warning") on the Host and Origin headers a
// client sends, and the loopback decision underneath it (net/address). Input: the Host header on
// the first line, the Origin header on the second. Whatever they hold, a guard lets through only
// the configured names, or loopback names on a loopback listener.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/address.hpp"
#include "net/origin_guard.hpp"

namespace {
using mcpgate::net::OriginGuard;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view host = in.substr(0, nl);
  std::string_view origin = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);

  static const OriginGuard public_guard({"mcp.example.com"}, {"https://app.example.com"}, "https://mcp.example.com",
                                        false);
  static const OriginGuard loopback_guard({}, {}, "", true);

  if (public_guard.host_allowed(host)) {
    auto h = lower(host);
    check(h == "mcp.example.com" || h.starts_with("mcp.example.com:"));
  }
  if (public_guard.origin_allowed(origin)) {
    auto o = lower(origin);
    check(o.empty() || o == "https://app.example.com" || o == "https://mcp.example.com");
  }
  check(public_guard.page_origin_allowed(origin) == (origin == "null" || public_guard.origin_allowed(origin)));

  if (loopback_guard.host_allowed(host)) {
    auto h = lower(host);
    // localhost, an IPv4 loopback literal or a bracketed IPv6 one, optionally with a port.
    auto end = h.front() == '[' ? h.find(']') + 1 : h.find(':');
    check(mcpgate::net::is_loopback_host(h.substr(0, end)));
  }
  if (loopback_guard.origin_allowed(origin) && !origin.empty()) check(mcpgate::net::is_loopback_url(lower(origin)));
  if (mcpgate::net::is_loopback_host(host)) {
    auto h = lower(host);
    check(h == "localhost" || h.starts_with("127.") || h.find(':') != std::string::npos);  // v4 or v6 text
  }
  (void)mcpgate::net::host_name(host);
  return 0;
}
