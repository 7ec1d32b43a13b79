#pragma once
// How an MCP client finds out where to get a token for a server (MCP authorization, "Authorization
// Server Discovery"): the 401's `resource_metadata`, else the path-suffixed, then the root
// Protected Resource Metadata (RFC 9728); then the first authorization server's metadata at the
// well-known URLs in the order of RFC 8414 §3.1 and OpenID Connect Discovery, its issuer checked.
// A server of the 2025-03-26 revision has no resource metadata: its origin is then the
// authorization server, and with no metadata at all the default endpoints of that revision apply.
//
// Everything here comes from servers the user only named by URL, so each endpoint is checked
// before anything is sent to it: https, or http on loopback; PKCE S256 advertised.
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "oauth/http_fetcher.hpp"

namespace mcpgate::client {

struct AuthorizationTarget {
  std::string resource;  // sent verbatim as `resource` (RFC 8707) in every authorization and token request
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string registration_endpoint;            // empty: no dynamic registration
  std::vector<std::string> scopes_supported;    // the resource's (PRM), else the server's
  std::vector<std::string> token_auth_methods;  // token_endpoint_auth_methods_supported
  bool client_id_metadata_documents = false;    // client_id_metadata_document_supported
  bool iss_parameter_supported = false;         // RFC 9207 authorization_response_iss_parameter_supported
  bool legacy_defaults = false;                 // 2025-03-26 default endpoints, no metadata found
};

// `www_authenticate`: the challenge of the 401 that started this (may be empty).
[[nodiscard]] Result<AuthorizationTarget> discover(oauth::HttpFetcher& fetcher, const std::string& endpoint,
                                                   const std::string& www_authenticate);

// Checks an authorization server metadata document fetched for `issuer` and returns the target
// fields it sets (exposed for the tests and the fuzz target: it is the parser of untrusted input).
[[nodiscard]] Result<AuthorizationTarget> read_server_metadata(std::string_view text, const std::string& issuer);

// https, or http to a loopback host (OAuth 2.1 §1.5; MCP authorization "Communication Security").
bool acceptable_endpoint(std::string_view url);

}  // namespace mcpgate::client
