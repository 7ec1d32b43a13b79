#pragma once
// Where the Redis server is: `redis://host[:port][/db]`. The password never comes from the URL (it
// would be printed wherever the configuration is shown): it comes from password_env/_file.
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mcpgate::redis {

struct Endpoint {
  std::string host;
  int port = 6379;
  int db = 0;
  // host:port, for log lines (never carries a password).
  std::string name() const { return host + ":" + std::to_string(port); }
};

// Refuses rediss:// (TLS: the hiredis of the supported distributions is built without it), a
// user or password in the URL, a query or fragment, and a database that is not a small number.
[[nodiscard]] Result<Endpoint> parse_url(std::string_view url);

}  // namespace mcpgate::redis
