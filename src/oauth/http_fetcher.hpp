#pragma once
// The one HTTP seam of the resource server (JWKS, AS metadata, introspection): a blocking request
// with a deadline and a body limit. Blocking is deliberate: these calls are rare (rate-limited
// refetches, background refreshes, cache misses of opaque tokens) and a synchronous interface
// keeps the validator usable from any thread and trivially fakeable in tests.
//
// https:// goes through net::HttpClient's TLS (verification always on, see net/tls_client.hpp);
// plain http is allowed to loopback hosts, and elsewhere only with allow_insecure_http (a key
// fetched over plain HTTP from a remote host can be replaced by anyone on the path).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "net/tls_options.hpp"
#include "oauth/http_url.hpp"

namespace mcpgate::net {
class TlsClientContext;
}

namespace mcpgate::oauth {

struct HttpFetchRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpFetchResponse {
  unsigned status = 0;
  std::string body;
  std::optional<std::chrono::seconds> max_age;  // from Cache-Control
  std::string www_authenticate;                 // a 401's challenge (RFC 9728 §5.1 discovery)
  // Every header of the answer, names lower-cased, in the order received (an MCP client reads
  // Content-Type, Mcp-Session-Id and Location; the resource server's callers need none).
  std::vector<std::pair<std::string, std::string>> headers;
  // The first header of that (lower-case) name, or empty.
  std::string_view header(std::string_view name) const {
    for (auto& [n, v] : headers)
      if (n == name) return v;
    return {};
  }
};

class HttpFetcher {
 public:
  virtual ~HttpFetcher() = default;
  [[nodiscard]] virtual Result<HttpFetchResponse> fetch(const HttpFetchRequest& request) = 0;
};

struct HttpFetchOptions {
  std::chrono::milliseconds timeout{5'000};
  std::size_t max_body_bytes = 512 * 1024;
  bool allow_insecure_http = false;
  net::TlsClientOptions tls;  // CA file, client certificate, server name for https:// targets
};

// net::HttpClient on a private io_context, run to completion on the calling thread. Redirects are
// not followed (a JWKS or metadata redirect is an error, as RFC 9728 §3.3 expects of PRM).
class BlockingHttpFetcher final : public HttpFetcher {
 public:
  explicit BlockingHttpFetcher(HttpFetchOptions options = {});
  [[nodiscard]] Result<HttpFetchResponse> fetch(const HttpFetchRequest& request) override;
  // Empty when the TLS options loaded (CA file, client certificate); else why not.
  const std::string& tls_error() const { return tls_error_; }

 private:
  [[nodiscard]] Result<HttpFetchResponse> fetch_once(const HttpFetchRequest& request);
  HttpFetchOptions options_;
  std::shared_ptr<net::TlsClientContext> tls_;
  std::string tls_error_;
};

}  // namespace mcpgate::oauth
