#include "net/address.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <string>

#include "core/ascii.hpp"

namespace mcpgate::net {

bool is_loopback_host(std::string_view host) {
  // Brackets only ever hold an IPv6 address ("[127.0.0.1]" is no host at all, RFC 3986 §3.2.2).
  bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  if (host.empty()) return false;
  std::string lower = ascii_lower(host);
  if (lower == "localhost") return !bracketed;
  boost::system::error_code ec;
  // inet_pton underneath: strict dotted quad or RFC 4291 text; no hostname lookup ever happens.
  auto a = boost::asio::ip::make_address(lower, ec);
  if (ec) return false;
  if (a.is_v4()) return !bracketed && a.to_v4().is_loopback();
  auto v6 = a.to_v6();
  if (v6.scope_id() != 0) return false;  // "::1%eth0" is not a form any of our callers accept
  if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).is_loopback();
  return v6.is_loopback();
}

std::optional<boost::urls::url_view> parse_absolute_url(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return std::nullopt;
  auto path = u->encoded_path();
  if (u->has_authority() && !path.empty() && path.front() != '/') return std::nullopt;
  return *u;
}

bool is_loopback_url(std::string_view url) {
  auto u = parse_absolute_url(url);
  if (!u || !u->has_authority()) return false;
  return is_loopback_host(u->encoded_host());
}

}  // namespace mcpgate::net
