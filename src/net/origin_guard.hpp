#pragma once
// DNS-rebinding defence (MCP transports, "Security Warning": servers MUST validate Origin, and
// local servers SHOULD bind to localhost): a browser page from an attacker's
// origin, or a hostname the attacker re-points at 127.0.0.1, must not reach a local server.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mcpgate::net {

class OriginGuard {
 public:
  // `loopback`: the listener is bound to a loopback address, so localhost names are implied.
  // `open_when_unconfigured`: on a non-loopback bind, an empty host (origin) list admits any Host
  // (Origin) instead of none. The server library's default, for a server behind infrastructure
  // of its own; the gateway always names its hosts.
  OriginGuard(std::vector<std::string> allowed_hosts, std::vector<std::string> allowed_origins, std::string public_url,
              bool loopback, bool open_when_unconfigured = false);

  // Host header (with or without port). An absent Host is an HTTP/1.1 violation.
  bool host_allowed(std::string_view host) const;
  // Origin header; empty means the request came from no browser page (allowed). `null` (an
  // opaque origin: sandboxed frame, file:// page, data: URL) is refused.
  bool origin_allowed(std::string_view origin) const;
  // The same for the authorization server's HTML pages (authorize, login, consent), which also
  // accept `null`: their own form POSTs carry it, and they defend themselves against cross-site
  // requests (a CSRF token bound to a SameSite session cookie, no framing). A foreign origin is
  // still refused there: it can only be a cross-site form post.
  bool page_origin_allowed(std::string_view origin) const;

 private:
  bool judge_host(std::string_view host) const;

  std::uint64_t id_;                  // unique in the process: see host_allowed
  std::vector<std::string> hosts_;    // hostnames, lower case, no port
  std::vector<std::string> origins_;  // scheme://host[:port], lower case
  bool loopback_;
  bool any_host_ = false;
  bool any_origin_ = false;
};

// "Host:port" → "host" (IPv6 keeps its brackets), lower-cased.
std::string host_name(std::string_view host_header);

}  // namespace mcpgate::net
