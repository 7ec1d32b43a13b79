// The JWT bearer grant (RFC 7523 §2.1) for Identity Assertion JWT Authorization Grants.
#include "authserver/scope_text.hpp"
#include "authserver/server_impl.hpp"
#include "core/json.hpp"
#include "oauth/access_token.hpp"
#include "oauth/jws.hpp"
#include "oauth/signature.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace {

// MCP enterprise-managed authorization: redeem an Identity Assertion JWT Authorization Grant
// (ID-JAG) from a trusted IdP (RFC 7523 §2.1 grant, draft-ietf-oauth-identity-assertion-authz-grant).
class JwtBearerGrant final : public Grant {
 public:
  std::string_view type() const override { return kJwtBearer; }
  [[nodiscard]] OAuthResult<json::object> issue(AuthorizationServer::Impl& as, const Params& p,
                                                const AuthenticatedClient& client) const override {
    auto a = p.find("assertion");
    if (a == p.end()) return oauth_error(OAuthError::invalid_request, "assertion is required");
    auto jws = oauth::parse_jws(a->second);
    if (!jws) return oauth_error(OAuthError::invalid_grant, "assertion is not a JWT");
    if (!jws->header.typ || *jws->header.typ != "oauth-id-jag+jwt")
      return oauth_error(OAuthError::invalid_grant, "assertion typ must be oauth-id-jag+jwt");
    if (oauth::family(jws->header.alg) == oauth::AlgorithmFamily::hmac)
      return oauth_error(OAuthError::invalid_grant, "assertion must be signed with a private key");
    auto claims = parse_json(jws->payload, {16, 16 * 1024});
    if (!claims || !claims->is_object()) return oauth_error(OAuthError::invalid_grant, "assertion is malformed");
    auto& o = claims->as_object();
    auto str = [&](std::string_view k) -> std::string {
      auto* v = o.if_contains(k);
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    const TrustedIdpKeys* idp = nullptr;
    for (auto& i : as.idps_)
      if (i.issuer == str("iss")) idp = &i;
    if (!idp) return oauth_error(OAuthError::invalid_grant, "assertion issuer is not trusted");
    bool verified = false;
    for (auto& k : idp->keys.candidates(jws->header.kid, jws->header.alg))
      if (oauth::default_verifier().verify(jws->header.alg, *k, jws->signing_input, jws->signature)) {
        verified = true;
        break;
      }
    if (!verified) return oauth_error(OAuthError::invalid_grant, "assertion signature is invalid");
    auto* aud = o.if_contains("aud");
    bool aud_ok = aud && ((aud->is_string() && aud->as_string() == as.opt_.issuer) ||
                          (aud->is_array() && aud->as_array().size() == 1 && aud->as_array()[0].is_string() &&
                           aud->as_array()[0].as_string() == as.opt_.issuer));
    if (!aud_ok) return oauth_error(OAuthError::invalid_grant, "assertion aud must be this authorization server");
    // The ID-JAG was issued to one client; another client presenting it is a replay.
    if (str("client_id") != client.client.client_id)
      return oauth_error(OAuthError::invalid_grant, "assertion client_id does not match the authenticated client");
    auto* expv = o.if_contains("exp");
    auto exp = expv ? oauth::numeric_date(*expv) : std::nullopt;
    if (!exp || *exp <= as.now()) return oauth_error(OAuthError::invalid_grant, "assertion is expired");
    if (auto* iatv = o.if_contains("iat")) {
      auto iat = oauth::numeric_date(*iatv);
      if (!iat || *iat > as.now() + 60) return oauth_error(OAuthError::invalid_grant, "assertion iat is in the future");
    }
    auto sub = str("sub");
    auto jti = str("jti");
    if (sub.empty() || jti.empty()) return oauth_error(OAuthError::invalid_grant, "assertion needs sub and jti");
    auto resource = str("resource");
    auto* res = as.find_resource(resource);
    if (!res)
      return oauth_error(OAuthError::invalid_target, "assertion resource is not a protected resource of this server");
    if (auto r = p.find("resource"); r != p.end() && r->second != resource)
      return oauth_error(OAuthError::invalid_target, "resource does not match the assertion");
    auto granted = split_scope(str("scope"));
    auto scope = as.narrow_scope(p, *res, granted.empty() ? std::vector<std::string>{"\x01"} : granted, granted);
    if (!scope) return unexpected(scope.error());
    // Single use across every replica sharing the sign-in state; unchecked is refused.
    auto first = as.login_state_->use_once("jag:" + idp->issuer + ":" + jti, *exp, as.now());
    if (!first)
      return oauth_error(OAuthError::temporarily_unavailable,
                         "the assertion could not be checked for replay; retry shortly");
    if (!*first) return oauth_error(OAuthError::invalid_grant, "assertion was already used");
    auto at = as.mint_access_token(sub, client.client.client_id, res->resource, *scope);
    if (!at) return oauth_error(OAuthError::server_error, "could not sign the token");
    // Not recorded, as in client_credentials_grant.
    return as.token_body(*at, *scope);
  }
};

}  // namespace

std::unique_ptr<const Grant> jwt_bearer_grant() {
  return std::make_unique<JwtBearerGrant>();
}

}  // namespace mcpgate::authserver
