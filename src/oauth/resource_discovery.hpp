#pragma once
// The client side of RFC 9728: reading another server's 401 challenge and its Protected Resource
// Metadata, to find the authorization server that issues tokens for it. The gateway does this for
// an upstream that is itself a protected MCP server (exchange/discovery.hpp). Both inputs come from
// the network and are untrusted; each parser has a libFuzzer target (fuzz/oauth).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace mcpgate::oauth {

// The auth-params of the `Bearer` challenge in a WWW-Authenticate value (RFC 9110 §11.6.1: one or
// more challenges, each a scheme then token68 or comma-separated `name=value` with token or
// quoted-string values; RFC 6750 §3). Names are lower-cased; a repeated name keeps the first.
// nullopt when the value has no Bearer challenge or is malformed.
std::optional<std::map<std::string, std::string>> parse_bearer_challenge(std::string_view www_authenticate);

struct ResourceMetadata {
  std::string resource;
  std::vector<std::string> authorization_servers;
  std::vector<std::string> scopes_supported;
};

// A Protected Resource Metadata document (RFC 9728 §2). Its `resource` MUST be identical to the
// resource the document was fetched for (§3.3), or an attacker who can serve one document could
// point clients at its own authorization server; `authorization_servers` must be a non-empty list
// of https URLs (http on loopback only).
//
// `prefix` relaxes identity for an MCP client: the document may name the server's base, a
// same-origin path prefix of the endpoint on a segment boundary (MCP authorization, "Canonical
// Server URI"), which the client then sends verbatim as `resource`. Another origin or a sibling
// path is still refused.
enum class ResourceMatch { identical, prefix };
[[nodiscard]] Result<ResourceMetadata> parse_resource_metadata(std::string_view text,
                                                               std::string_view expected_resource,
                                                               ResourceMatch match = ResourceMatch::identical);
// Whether `resource` is `endpoint` or a same-origin path prefix of it on a segment boundary.
bool resource_covers(std::string_view resource, std::string_view endpoint);

// Where the metadata of `resource` is served (RFC 9728 §3.1), path-suffixed first, then the root
// (MCP authorization, "Protected Resource Metadata Discovery Requirements").
std::vector<std::string> resource_metadata_urls(std::string_view resource);

}  // namespace mcpgate::oauth
