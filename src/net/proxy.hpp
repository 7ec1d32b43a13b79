#pragma once
// The forward proxy for https:// targets, from the environment as curl and most tools read it:
// HTTPS_PROXY (or https_proxy) names an http:// proxy, reached with CONNECT; NO_PROXY (or
// no_proxy) lists hosts that bypass it ("*", exact names and addresses, ".example.com" and
// "example.com" matching subdomains too). Loopback targets never go through a proxy. Plain http://
// targets never do either (they are loopback key sources or operator-chosen upstreams).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcpgate::net {

struct Proxy {
  std::string host;
  std::uint16_t port = 8080;
  std::string authorization;  // "Basic …" from user:password in the URL (not percent-decoded), or empty
};

std::optional<Proxy> parse_proxy_url(std::string_view url);
bool no_proxy_matches(std::string_view no_proxy, std::string_view host);
// The proxy for an https:// connection to `host`, per the environment; nullopt: connect directly.
std::optional<Proxy> https_proxy_for(std::string_view host);

}  // namespace mcpgate::net
