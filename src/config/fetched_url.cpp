#include "config/fetched_url.hpp"

#include "net/address.hpp"

namespace mcpgate::config {

void check_fetched_url(const YamlReader& r, const YAML::Node& n, const std::string& key, const std::string& url) {
  auto u = net::parse_absolute_url(url);
  if (!u) r.error(n, key, "is not a well-formed absolute URL (after the host only a port, '/', '?' or '#' may follow)");
  if (u->scheme() != "http" && u->scheme() != "https") r.error(n, key, "must be an http(s) URL");
  if (u->has_userinfo()) r.error(n, key, "must not carry userinfo");
  if (u->scheme() == "http" && !net::is_loopback_url(url))
    r.error(n, key, "plain http is allowed only to a loopback address (127.0.0.0/8, [::1], localhost); use https");
}

}  // namespace mcpgate::config
