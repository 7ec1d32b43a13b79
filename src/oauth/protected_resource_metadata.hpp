#pragma once
// OAuth 2.0 Protected Resource Metadata (RFC 9728 §2, §3): the document a client reads to find
// the authorization servers for this MCP endpoint, and where it is served.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpgate::oauth {

struct ProtectedResourceMetadata {
  std::string resource;  // the endpoint URL, as clients echo it in `resource` (RFC 8707)
  std::vector<std::string> authorization_servers;
  std::vector<std::string> scopes_supported;
  std::optional<std::string> resource_name;
  std::optional<std::string> resource_documentation;
};

// bearer_methods_supported is always ["header"]: we accept nothing else (RFC 6750 §2.1 only).
std::string to_json(const ProtectedResourceMetadata& prm);

// RFC 9728 §3.1: the well-known suffix is inserted between host and path:
// "/mcp" → "/.well-known/oauth-protected-resource/mcp"; "/" or "" → "/.well-known/oauth-protected-resource".
std::string prm_well_known_path(std::string_view resource_path);
// public_url + prm_well_known_path(resource_path), for the resource_metadata challenge parameter.
std::string prm_url(std::string_view public_url, std::string_view resource_path);

}  // namespace mcpgate::oauth
