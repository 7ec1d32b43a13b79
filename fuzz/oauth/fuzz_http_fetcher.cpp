// What the metadata/JWKS/introspection fetcher reads from remote documents and servers: the URL it
// is told to fetch (a jwks_uri comes from an AS metadata document) and the Cache-Control header of
// the answer (RFC 9111 §5.2.2.1 max-age). An accepted URL must not be able to inject anything into
// the request line or the Host header it becomes.
// Input: the URL on the first line, a Cache-Control value on the second.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/address.hpp"
#include "oauth/http_url.hpp"

namespace {
using namespace mcpgate::oauth;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool visible_ascii(std::string_view s) {
  for (char c : s)
    if (c <= 0x20 || c > 0x7e) return false;
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view url = in.substr(0, nl);
  std::string_view cache_control = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);

  for (bool insecure : {false, true}) {
    auto u = parse_http_url(url, insecure);
    if (!u) continue;
    check((u->scheme == "http" || u->scheme == "https") && u->port != 0);
    check(u->tls() == (u->scheme == "https") && url.starts_with(u->scheme + "://"));
    check(!u->host.empty() && visible_ascii(u->host));
    check(u->host.find_first_of("/?#@") == std::string::npos);
    check(!u->target.empty() && u->target.front() == '/' && visible_ascii(u->target));
    check(u->target.find('#') == std::string::npos);  // fragments are never sent (RFC 9110 §7.1)
    // Plain http only to this machine, unless explicitly allowed; https anywhere.
    if (!insecure && !u->tls())
      check(mcpgate::net::is_loopback_host(u->host) || mcpgate::net::is_loopback_host("[" + u->host + "]"));
  }
  auto age = parse_max_age(cache_control);
  if (age) check(age->count() >= 0);
  return 0;
}
