#pragma once
// Whether a host or URL names this machine's loopback interface. Decided from a parsed IP address
// (IPv4 127.0.0.0/8, IPv6 ::1, IPv4-mapped ::ffff:127.x.y.z) or the exact name `localhost`, never
// from a string prefix: "127.evil.example" and "localhost.evil.example" are DNS names anyone can
// point at any address, so treating them as loopback would let plain http (and the other
// loopback-only allowances) reach the network.
#include <boost/url/url_view.hpp>
#include <optional>
#include <string_view>

namespace mcpgate::net {

// A host as it appears in a URL authority or a Host header without the port: an IP literal
// (IPv6 with or without brackets) or `localhost` (any case). Anything else, including names
// with a trailing dot and the inet_aton spellings ("127.1", "0x7f.0.0.1", "2130706433"), is not
// loopback: those are resolver-dependent, and refusing them is the safe side.
bool is_loopback_host(std::string_view host);

// An absolute URL, parsed with Boost.URL, or nullopt. Refuses what Boost.URL 1.81 misreads: it
// takes "http://127.0.0.1.evil.example/cb" for host 127.0.0.1 with the path ".evil.example/cb"
// (RFC 3986 §3.3: after an authority the path is empty or starts with "/"), so a check on its
// host would pass a URL a browser sends to evil.example. Every URL whose host decides something
// goes through this.
std::optional<boost::urls::url_view> parse_absolute_url(std::string_view url);

// The host of an absolute URL (parsed with Boost.URL, so userinfo, ports and brackets are
// taken apart by the URL grammar): "http://127.0.0.1@evil.example/" is evil.example.
bool is_loopback_url(std::string_view url);

}  // namespace mcpgate::net
