#include "redis/url.hpp"

#include <boost/url/parse.hpp>
#include <charconv>

namespace mcpgate::redis {

Result<Endpoint> parse_url(std::string_view url) {
  if (url.starts_with("rediss://"))
    return fail(
        "rediss:// (TLS) is not supported by this build: use redis:// on a trusted network or a local TLS tunnel");
  auto u = boost::urls::parse_uri(url);
  if (!u || u->scheme() != "redis") return fail("must be a redis://host:port/db URL");
  // A password here would be shown with the configuration and in error messages.
  if (u->has_userinfo()) return fail("must not hold a user or password: use password_env or password_file");
  if (u->has_query() || u->has_fragment()) return fail("must not have a query or fragment");
  Endpoint e;
  e.host = std::string(u->host());
  if (e.host.empty()) return fail("needs a host");
  if (e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
  if (u->has_port()) {
    auto p = u->port();
    int port = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc() || end != p.data() + p.size() || port < 1 || port > 65535) return fail("has an invalid port");
    e.port = port;
  }
  std::string_view path = u->encoded_path();
  if (!path.empty() && path != "/") {
    auto db = path.substr(1);
    auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), e.db);
    if (ec != std::errc() || end != db.data() + db.size() || e.db < 0 || e.db > 1023)
      return fail("path must be /DB, a database number from 0 to 1023");
  }
  return e;
}

}  // namespace mcpgate::redis
