#include "net/proxy.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>

#include "core/ascii.hpp"
#include "core/base64url.hpp"
#include "net/address.hpp"

namespace mcpgate::net {

namespace {

const char* env(const char* upper, const char* lower_name) {
  const char* v = std::getenv(upper);
  if (!v || !*v) v = std::getenv(lower_name);
  return v && *v ? v : nullptr;
}

}  // namespace

std::optional<Proxy> parse_proxy_url(std::string_view url) {
  // A bare host:port is accepted too (as curl does); only http:// proxies are supported.
  if (url.starts_with("http://"))
    url.remove_prefix(7);
  else if (url.find("://") != std::string_view::npos)
    return std::nullopt;
  url = url.substr(0, url.find('/'));
  Proxy p;
  if (auto at = url.rfind('@'); at != std::string_view::npos) {
    p.authorization = "Basic " + base64_encode(url.substr(0, at));
    url.remove_prefix(at + 1);
  }
  std::string_view host = url;
  std::string_view port;
  if (url.starts_with('[')) {
    auto close = url.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = url.substr(1, close - 1);
    if (close + 1 < url.size()) {
      if (url[close + 1] != ':') return std::nullopt;
      port = url.substr(close + 2);
    }
  } else if (auto colon = url.rfind(':'); colon != std::string_view::npos) {
    host = url.substr(0, colon);
    port = url.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  p.host = std::string(host);
  if (!port.empty()) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || end != port.data() + port.size() || v == 0 || v > 65535) return std::nullopt;
    p.port = static_cast<std::uint16_t>(v);
  }
  return p;
}

bool no_proxy_matches(std::string_view no_proxy, std::string_view host) {
  std::string h = ascii_lower(host);
  while (!no_proxy.empty()) {
    auto comma = no_proxy.find(',');
    std::string entry = ascii_lower(trim_ows(no_proxy.substr(0, comma)));
    no_proxy = comma == std::string_view::npos ? std::string_view{} : no_proxy.substr(comma + 1);
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (entry.front() == '.') entry.erase(0, 1);
    if (auto colon = entry.rfind(':'); colon != std::string::npos && entry.find(':') == colon)
      entry.resize(colon);  // "host:port": the port is not compared
    if (h == entry || (h.size() > entry.size() && h.ends_with(entry) && h[h.size() - entry.size() - 1] == '.'))
      return true;
  }
  return false;
}

std::optional<Proxy> https_proxy_for(std::string_view host) {
  // From the parsed address, never a prefix: "127.evil.example" is a name on the network.
  if (is_loopback_host(host)) return std::nullopt;
  const char* proxy = env("HTTPS_PROXY", "https_proxy");
  if (!proxy) return std::nullopt;
  if (const char* np = env("NO_PROXY", "no_proxy"); np && no_proxy_matches(np, host)) return std::nullopt;
  return parse_proxy_url(proxy);
}

}  // namespace mcpgate::net
