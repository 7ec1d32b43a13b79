#include "oauth/http_url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "net/address.hpp"

namespace mcpgate::oauth {

Result<HttpUrl> parse_http_url(std::string_view url, bool allow_insecure_http) {
  HttpUrl out;
  std::string_view rest;
  if (url.starts_with("https://")) {
    out.scheme = "https";
    out.port = 443;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    out.scheme = "http";
    rest = url.substr(7);
  } else {
    return fail("not an http(s) URL");
  }
  // RFC 3986 §2: a URL is visible ASCII. A space or CR/LF here would reach the request line and
  // the Host header: a URL from a remote metadata document could write its own header lines
  // (request splitting against the host we fetch from).
  for (unsigned char c : url)
    if (c <= 0x20 || c >= 0x7f) return fail("URL has a space or a control or non-ASCII character");
  if (auto f = rest.find('#'); f != std::string_view::npos) rest = rest.substr(0, f);
  auto slash = std::min(rest.find_first_of("/?"), rest.size());
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = rest.substr(slash);
  out.target.assign(path.begin(), path.end());
  if (out.target.empty() || out.target.front() == '?') out.target.insert(out.target.begin(), '/');
  if (authority.empty() || authority.find('@') != std::string_view::npos) return fail("bad URL authority");
  std::string_view host = authority;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("bad URL authority");
    host = authority.substr(0, close + 1);
    authority.remove_prefix(close + 1);
  } else {
    auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    authority = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
  }
  if (!authority.empty()) {
    if (authority.front() != ':' || authority.size() < 2) return fail("bad URL port");
    unsigned port = 0;
    auto [p, ec] = std::from_chars(authority.data() + 1, authority.data() + authority.size(), port);
    if (ec != std::errc() || p != authority.data() + authority.size() || port == 0 || port > 65535)
      return fail("bad URL port");
    out.port = static_cast<std::uint16_t>(port);
  }
  if (host.empty() || host == "[]") return fail("bad URL host");  // "[]": an empty IP literal
  out.host = std::string(host);
  for (auto& c : out.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // A key set or introspection answer fetched in clear over the network can be replaced by anyone
  // on the path; loopback is decided from the parsed address (net::is_loopback_host).
  if (!out.tls() && !allow_insecure_http && !net::is_loopback_host(out.host))
    return fail("plain http is only allowed to loopback hosts");
  if (out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  return out;
}

std::optional<std::chrono::seconds> parse_max_age(std::string_view cc) {
  std::optional<std::chrono::seconds> out;
  std::size_t i = 0;
  while (i < cc.size()) {
    auto comma = cc.find(',', i);
    std::string_view d = cc.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i);
    while (!d.empty() && d.front() == ' ') d.remove_prefix(1);
    while (!d.empty() && d.back() == ' ') d.remove_suffix(1);
    std::string lower(d);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "no-store" || lower == "no-cache") return std::nullopt;
    if (lower.starts_with("max-age=")) {
      long long v = 0;
      auto s = std::string_view(lower).substr(8);
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && p == s.data() + s.size() && v >= 0) out = std::chrono::seconds(v);
    }
    if (comma == std::string_view::npos) break;
    i = comma + 1;
  }
  return out;
}

}  // namespace mcpgate::oauth
