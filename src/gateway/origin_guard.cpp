#include "gateway/origin_guard.hpp"

#include <algorithm>
#include <cctype>

namespace mcpgate::gateway {
namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}
bool is_loopback_name(std::string_view h) {
  return h == "localhost" || h == "127.0.0.1" || h == "[::1]";
}
}  // namespace

std::string host_name(std::string_view host) {
  std::string h = lower(host);
  if (!h.empty() && h.front() == '[') {
    auto close = h.find(']');
    return close == std::string::npos ? h : h.substr(0, close + 1);
  }
  auto colon = h.find(':');
  return colon == std::string::npos ? h : h.substr(0, colon);
}

OriginGuard::OriginGuard(std::vector<std::string> allowed_hosts, std::vector<std::string> allowed_origins,
                         std::string public_url, bool loopback)
    : loopback_(loopback) {
  for (auto& h : allowed_hosts) hosts_.push_back(host_name(h));
  for (auto& o : allowed_origins) origins_.push_back(lower(o));
  if (!public_url.empty()) {
    auto scheme_end = public_url.find("://");
    if (scheme_end != std::string::npos) {
      auto rest = public_url.substr(scheme_end + 3);
      auto authority = rest.substr(0, rest.find('/'));
      hosts_.push_back(host_name(authority));
      origins_.push_back(lower(public_url.substr(0, scheme_end + 3) + authority));
    }
  }
}

bool OriginGuard::host_allowed(std::string_view host) const {
  if (host.empty()) return false;
  auto name = host_name(host);
  if (loopback_ && is_loopback_name(name)) return true;
  return std::find(hosts_.begin(), hosts_.end(), name) != hosts_.end();
}

bool OriginGuard::origin_allowed(std::string_view origin) const {
  if (origin.empty()) return true;
  auto o = lower(origin);
  if (o == "null") return false;  // sandboxed frames and file:// pages
  if (std::find(origins_.begin(), origins_.end(), o) != origins_.end()) return true;
  if (loopback_) {
    auto scheme_end = o.find("://");
    if (scheme_end == std::string::npos) return false;
    auto scheme = o.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https") return false;
    return is_loopback_name(host_name(o.substr(scheme_end + 3)));
  }
  return false;
}

}  // namespace mcpgate::gateway
