#pragma once
// Which client identity to present to an authorization server, in the order of MCP authorization
// "Client Registration Approaches": a pre-registered client id (given by the user), the one this
// client registered there before (bound to that issuer), a client ID metadata document URL when
// the server supports them, then dynamic client registration (RFC 7591). And how that identity
// authenticates at the token endpoint (RFC 6749 §2.3).
#include <string>
#include <vector>

#include "client/discovery.hpp"
#include "client/token_store.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "oauth/http_fetcher.hpp"

namespace mcpgate::client {

struct ClientIdentity {
  std::string client_id;  // pre-registered
  Secret client_secret;
  std::string client_metadata_url;  // an https URL serving this client's metadata document
};

// Dynamic registration at target.registration_endpoint for `redirect_uri`.
[[nodiscard]] Result<StoredClient> register_dynamically(oauth::HttpFetcher& fetcher, const AuthorizationTarget& target,
                                                        const std::string& redirect_uri);
// The registration endpoint's answer (RFC 7591 §3.2), untrusted (fuzzed).
[[nodiscard]] Result<StoredClient> read_registration(unsigned status, std::string_view body,
                                                     const AuthorizationTarget& target,
                                                     const std::string& redirect_uri);

// With a secret: client_secret_basic unless the server lists only client_secret_post; without: none.
std::string choose_auth_method(bool has_secret, const std::vector<std::string>& supported);

}  // namespace mcpgate::client
