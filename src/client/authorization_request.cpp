#include "client/authorization_request.hpp"

#include <openssl/evp.h>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <map>

#include "core/base64url.hpp"
#include "core/secret.hpp"
#include "exchange/token_response.hpp"  // printable

namespace mcpgate::client {

std::string s256(std::string_view verifier) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(verifier.data(), verifier.size(), md, &len, EVP_sha256(), nullptr);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

Pkce make_pkce(Random& random) {
  Pkce p;
  p.verifier = random.token(32);
  p.challenge = s256(p.verifier);
  return p;
}

std::string authorization_url(const AuthorizationTarget& target, const AuthorizationRequest& r) {
  boost::urls::url u(target.authorization_endpoint);
  auto params = u.params();
  params.append({"response_type", "code"});
  params.append({"client_id", r.client_id});
  params.append({"redirect_uri", r.redirect_uri});
  params.append({"code_challenge", r.code_challenge});
  params.append({"code_challenge_method", "S256"});
  params.append({"state", r.state});
  if (!r.scope.empty()) params.append({"scope", r.scope});
  if (!r.prompt.empty()) params.append({"prompt", r.prompt});
  // RFC 8707 §2: always, so the token is bound to this resource (MCP authorization, "Resource
  // Parameter Implementation").
  params.append({"resource", target.resource});
  return std::string(u.buffer());
}

Callback read_callback(std::string_view target, std::string_view expected_state, std::string_view issuer,
                       bool iss_required) {
  Callback out;
  auto u = boost::urls::parse_origin_form(target);
  if (!u) return out;
  std::map<std::string, std::string> p;
  for (auto param : u->params()) {
    // RFC 6749 §3.1: a parameter sent twice is an error; here it can only be a forgery.
    if (!p.emplace(std::string(param.key), std::string(param.value)).second) {
      out.kind = Callback::Kind::stranger;
      return out;
    }
  }
  auto get = [&](const char* k) -> std::string {
    auto it = p.find(k);
    return it == p.end() ? std::string() : it->second;
  };
  // Not our state: some other page (or an attacker's link) reached the listener; only the answer
  // to this login may end it (RFC 6749 §10.12, CSRF).
  auto state = get("state");
  if (state.empty() || !constant_time_equal(state, expected_state)) return out;
  // RFC 9207 §2.4: compare `iss` whenever present, by simple string comparison (no
  // normalization); when the server advertised it, its absence is a failure too.
  auto iss = p.find("iss");
  if (iss != p.end() && iss->second != issuer) {
    out.kind = Callback::Kind::refused;
    out.message = "the authorization response came from another issuer (iss " + exchange::printable(iss->second, 120) +
                  ", expected " + exchange::printable(issuer, 120) + "): possible mix-up attack";
    return out;
  }
  if (iss == p.end() && iss_required) {
    out.kind = Callback::Kind::refused;
    out.message = "the authorization server advertises the iss parameter but its response has none (RFC 9207)";
    return out;
  }
  if (auto error = get("error"); !error.empty()) {
    out.kind = Callback::Kind::refused;
    out.message = "the authorization server refused: " + exchange::printable(error, 64);
    if (auto d = get("error_description"); !d.empty()) out.message += " (" + exchange::printable(d) + ")";
    return out;
  }
  out.code = get("code");
  if (out.code.empty()) {
    out.kind = Callback::Kind::refused;
    out.message = "the authorization response has no code";
    return out;
  }
  out.kind = Callback::Kind::code;
  return out;
}

}  // namespace mcpgate::client
