#pragma once
// The authorization code request of an MCP client (OAuth 2.1 §4.1, MCP authorization
// "Authorization Flow Steps") and the reading of its answer at the redirect URI: PKCE S256
// (RFC 7636), `state`, `resource` (RFC 8707), and the `iss` check of RFC 9207 against mix-up
// attacks. The answer arrives on a loopback listener from whatever the browser was sent to, so it
// is untrusted input: read_callback has a libFuzzer target.
#include <string>
#include <string_view>

#include "client/discovery.hpp"
#include "core/random.hpp"
#include "core/result.hpp"

namespace mcpgate::client {

struct Pkce {
  std::string verifier;   // 43 characters of base64url (32 random bytes), RFC 7636 §4.1
  std::string challenge;  // BASE64URL(SHA256(verifier)), §4.2
};
Pkce make_pkce(Random& random);
std::string s256(std::string_view verifier);

struct AuthorizationRequest {
  std::string client_id;
  std::string redirect_uri;
  std::string code_challenge;
  std::string state;
  std::string scope;  // empty: omitted (MCP authorization, "Scope Selection Strategy")
  // OpenID Connect `prompt` (e.g. "login": sign in again even with a session at the server, to
  // sign in as someone else); empty: omitted. A plain OAuth server ignores it (RFC 6749 §3.1).
  std::string prompt;
};
std::string authorization_url(const AuthorizationTarget& target, const AuthorizationRequest& request);

// What arrived at the redirect URI.
struct Callback {
  enum class Kind {
    code,      // the code, for this login
    refused,   // the authorization server answered an error, or the answer failed a check: stop
    stranger,  // not an answer to this login (no or another `state`): ignored, keep waiting
  };
  Kind kind = Kind::stranger;
  std::string code;
  std::string message;  // for refused: why, printable
};

// `target`: the request target the listener received (path and query). `iss_required`: the
// server advertised authorization_response_iss_parameter_supported.
Callback read_callback(std::string_view target, std::string_view expected_state, std::string_view issuer,
                       bool iss_required);

}  // namespace mcpgate::client
