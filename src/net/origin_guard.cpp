#include "net/origin_guard.hpp"

#include <algorithm>
#include <atomic>
#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cstdint>

#include "core/ascii.hpp"
#include "net/address.hpp"

namespace mcpgate::net {
namespace {
std::atomic<std::uint64_t> next_guard_id{1};

// The last Host value a guard admitted on this thread. A client sends the same Host on every
// request, and judging it (the URL grammar, lower-casing, the loopback check) was 2 % of a
// proxied request's CPU. The verdict depends only on the guard's lists and the value, so an
// equal value is admitted again; the guard's id (never reused) keeps a guard built by a reload
// from inheriting the verdict of one that was destroyed at the same address.
struct AdmittedHost {
  std::uint64_t guard = 0;
  std::string host;
};
thread_local AdmittedHost last_admitted;
}  // namespace

std::string host_name(std::string_view host) {
  std::string h = ascii_lower(host);
  if (!h.empty() && h.front() == '[') {
    auto close = h.find(']');
    return close == std::string::npos ? h : h.substr(0, close + 1);
  }
  auto colon = h.find(':');
  return colon == std::string::npos ? h : h.substr(0, colon);
}

OriginGuard::OriginGuard(std::vector<std::string> allowed_hosts, std::vector<std::string> allowed_origins,
                         std::string public_url, bool loopback, bool open_when_unconfigured)
    : id_(next_guard_id.fetch_add(1, std::memory_order_relaxed)), loopback_(loopback) {
  any_host_ = open_when_unconfigured && !loopback && allowed_hosts.empty() && public_url.empty();
  any_origin_ = open_when_unconfigured && !loopback && allowed_origins.empty() && public_url.empty();
  for (auto& h : allowed_hosts) hosts_.push_back(host_name(h));
  for (auto& o : allowed_origins) origins_.push_back(ascii_lower(o));
  if (!public_url.empty()) {
    auto scheme_end = public_url.find("://");
    if (scheme_end != std::string::npos) {
      auto rest = public_url.substr(scheme_end + 3);
      auto authority = rest.substr(0, rest.find('/'));
      hosts_.push_back(host_name(authority));
      origins_.push_back(ascii_lower(public_url.substr(0, scheme_end + 3) + authority));
    }
  }
}

bool OriginGuard::host_allowed(std::string_view host) const {
  if (host.empty()) return false;
  if (last_admitted.guard == id_ && last_admitted.host == host) return true;
  if (!judge_host(host)) return false;
  last_admitted.guard = id_;
  last_admitted.host.assign(host);
  return true;
}

bool OriginGuard::judge_host(std::string_view host) const {
  // Host is uri-host [":" port] (RFC 9110 §7.2), parsed by the URL grammar: "localhost:evil" or
  // "127.0.0.1@evil.example" are not a loopback name with some junk after it.
  auto a = boost::urls::parse_authority(host);
  if (!a || a->has_userinfo() || a->encoded_host().empty()) return false;
  if (any_host_) return true;
  auto name = ascii_lower(a->encoded_host());
  if (loopback_ && is_loopback_host(name)) return true;
  return std::find(hosts_.begin(), hosts_.end(), name) != hosts_.end();
}

bool OriginGuard::origin_allowed(std::string_view origin) const {
  if (origin.empty()) return true;
  auto o = ascii_lower(origin);
  if (o == "null") return false;  // sandboxed frames and file:// pages
  if (std::find(origins_.begin(), origins_.end(), o) != origins_.end()) return true;
  if (any_origin_) return true;
  if (!loopback_) return false;
  // A serialized origin is scheme "://" host [":" port] and nothing else (RFC 6454 §6.2).
  auto u = parse_absolute_url(o);
  if (!u || (u->scheme() != "http" && u->scheme() != "https")) return false;
  if (u->has_userinfo() || !u->encoded_path().empty() || u->has_query() || u->has_fragment()) return false;
  return is_loopback_host(u->encoded_host());
}

bool OriginGuard::page_origin_allowed(std::string_view origin) const {
  // The authorization server's own forms, posted under Referrer-Policy: no-referrer, arrive with
  // `Origin: null` (Fetch, "append a request Origin header"); see docs/security.md.
  return origin == "null" || origin_allowed(origin);
}

}  // namespace mcpgate::net
