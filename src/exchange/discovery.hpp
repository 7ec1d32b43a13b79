#pragma once
// An upstream that is itself a protected MCP server tells, like any MCP server, where its tokens
// come from (MCP authorization, "Authorization Server Discovery"): its Protected Resource Metadata
// (RFC 9728) at the path-suffixed, then the root well-known URL, or the `resource_metadata` of the
// 401 challenge a request without a token gets; then the first listed authorization server's own
// metadata (RFC 8414, then OpenID Connect discovery) gives its token endpoint. The gateway follows
// that path once, as a client would, when an upstream's credentials say `discover: true`.
#include <string>

#include "core/result.hpp"
#include "exchange/token_endpoint.hpp"
#include "oauth/http_fetcher.hpp"

namespace mcpgate::exchange {

struct Discovered {
  std::string issuer;
  std::string token_endpoint;
};

// Blocking (oauth::HttpFetcher): call it on the blocking pool.
[[nodiscard]] expected<Discovered, TokenError> discover_token_endpoint(oauth::HttpFetcher& fetcher,
                                                                       const std::string& resource);

// The token endpoint from an authorization server's metadata (RFC 8414 §3, then OIDC), its issuer
// checked (RFC 8414 §3.3).
[[nodiscard]] expected<std::string, TokenError> token_endpoint_of(oauth::HttpFetcher& fetcher,
                                                                  const std::string& issuer);

}  // namespace mcpgate::exchange
