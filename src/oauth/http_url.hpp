#pragma once
// What the HTTP fetcher reads before and after a request: the URL it is told to fetch (a jwks_uri
// or introspection endpoint, possibly from a remote metadata document) and the Cache-Control
// header of the answer. Kept apart from the fetcher so they can be fuzzed without a network stack.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mcpgate::oauth {

struct HttpUrl {
  std::string scheme;
  std::string host;
  std::uint16_t port = 80;
  std::string target;  // path and query, at least "/"
  bool tls() const { return scheme == "https"; }
};
[[nodiscard]] Result<HttpUrl> parse_http_url(std::string_view url, bool allow_insecure_http);

// max-age from a Cache-Control value; nullopt for no-store/no-cache or when absent.
std::optional<std::chrono::seconds> parse_max_age(std::string_view cache_control);

}  // namespace mcpgate::oauth
