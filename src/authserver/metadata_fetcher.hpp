#pragma once
// Fetches Client ID Metadata Documents: URLs chosen by whoever sends an authorization request,
// so the fetch is a server-side request forgery vector. Guards: https only; every address the
// name resolves to must be public (no loopback, private, link-local, CGNAT, multicast or
// reserved ranges, v4-mapped v6 included), and we connect to exactly the vetted addresses (no
// second resolution a DNS-rebinding attacker could answer differently); no redirects; a body
// limit; one deadline for the whole exchange.
#include <chrono>
#include <string>

#include "core/result.hpp"
#include "net/asio.hpp"

namespace mcpgate::authserver {

class MetadataFetcher {
 public:
  virtual ~MetadataFetcher() = default;
  // The body of a 200 response; anything else is an error.
  [[nodiscard]] virtual net::awaitable<Result<std::string>> fetch(std::string url) = 0;
};

struct FetchOptions {
  bool allow_private_addresses = false;  // development: also allows plain http
  std::size_t max_bytes = 64 * 1024;
  std::chrono::milliseconds timeout{5'000};
};

// Addresses a metadata fetch must never reach.
[[nodiscard]] bool is_forbidden_address(const boost::asio::ip::address& a);

class SafeMetadataFetcher final : public MetadataFetcher {
 public:
  explicit SafeMetadataFetcher(FetchOptions options) : options_(options) {}
  [[nodiscard]] net::awaitable<Result<std::string>> fetch(std::string url) override;

 private:
  FetchOptions options_;
};

}  // namespace mcpgate::authserver
