#pragma once
// Client metadata from untrusted JSON: a Dynamic Client Registration request (RFC 7591 §2) and a
// Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-document), plus the redirect
// URI rules both share (OAuth 2.1 §2.3.1, RFC 8252 §7.3 loopback, RFC 9700 §4.1 exact match).
#include <string>
#include <string_view>
#include <vector>

#include "authserver/oauth_error.hpp"
#include "authserver/store.hpp"
#include "core/result.hpp"

namespace mcpgate::authserver {

struct MetadataError {
  OAuthError error;         // invalid_client_metadata | invalid_redirect_uri (RFC 7591 §3.2.2)
  std::string description;  // fixed text plus our own field names; never echoes input
};
template <class T>
using MetadataResult = expected<T, MetadataError>;

struct RedirectPolicy {
  bool allow_loopback_http = true;           // RFC 8252 §7.3: native apps on 127.0.0.1 / [::1] / localhost
  std::vector<std::string> private_schemes;  // RFC 8252 §7.1 private-use schemes allowed (DCR)
};

// Registration-time check of one redirect URI: absolute, no fragment, no userinfo, and a scheme
// the policy allows (https; http only on a loopback host; listed private-use schemes).
[[nodiscard]] MetadataResult<void> check_redirect_uri(std::string_view uri, const RedirectPolicy& policy);

// Authorization-time match of a requested redirect URI against a registered one: exact string
// equality, except that a registered loopback http URI matches any port (RFC 8252 §7.3), with
// scheme, host, path and query still exact. No normalization of case, dots or escapes.
[[nodiscard]] bool redirect_uri_matches(std::string_view registered, std::string_view requested);

[[nodiscard]] bool is_loopback_redirect(std::string_view uri);

struct DcrLimits {
  std::size_t max_bytes = 16 * 1024;
  std::size_t max_redirect_uris = 16;
  std::size_t max_string = 2048;
};

// RFC 7591 §2 request body → a client (without id or secret: the caller assigns them).
[[nodiscard]] MetadataResult<ClientRecord> parse_registration_request(std::string_view body,
                                                                      const RedirectPolicy& policy,
                                                                      const DcrLimits& limits = {});

// A metadata document fetched from `client_id_url`: its client_id must equal the URL exactly.
[[nodiscard]] MetadataResult<ClientRecord> parse_client_metadata_document(
    std::string_view body, std::string_view client_id_url, const RedirectPolicy& policy,
    const DcrLimits& limits = {64 * 1024, 16, 2048});

// A client_id that names a metadata document: https, a host, a path other than "/", no
// fragment, no userinfo, no "." or ".." segments (draft §3). `allow_http` for development.
[[nodiscard]] bool is_client_id_url(std::string_view client_id, bool allow_http = false);

}  // namespace mcpgate::authserver
