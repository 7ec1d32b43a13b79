#pragma once
// Authorization server metadata (RFC 8414 §2, OpenID Connect Discovery 1.0 §3): the parser for
// the fetched document and the well-known URLs to fetch it from.
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace mcpgate::oauth {

struct AuthorizationServerMetadata {
  std::string issuer;
  std::optional<std::string> jwks_uri;
  std::optional<std::string> introspection_endpoint;
  std::optional<std::string> token_endpoint;
  std::vector<std::string> scopes_supported;
  boost::json::object raw;
};

struct MetadataLimits {
  std::size_t max_bytes = 256 * 1024;
  std::size_t max_json_depth = 16;
};

// `issuer` in the document must equal `expected_issuer` exactly (RFC 8414 §3.3): otherwise an
// attacker who controls one well-known document could impersonate another issuer (mix-up).
[[nodiscard]] Result<AuthorizationServerMetadata> parse_as_metadata(std::string_view text,
                                                                    std::string_view expected_issuer,
                                                                    const MetadataLimits& limits = {});

// In order: RFC 8414 `/.well-known/oauth-authorization-server{path}`, OIDC-with-path-insertion
// `/.well-known/openid-configuration{path}`, then OIDC `{issuer}/.well-known/openid-configuration`
// (duplicates removed when the issuer has no path).
std::vector<std::string> metadata_urls(std::string_view issuer);

}  // namespace mcpgate::oauth
