#include "authserver/id_token.hpp"

#include <algorithm>

#include "core/json.hpp"
#include "core/secret.hpp"
#include "oauth/access_token.hpp"
#include "oauth/jws.hpp"
#include "oauth/signature.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;

std::string_view describe(IdTokenError e) {
  switch (e) {
    case IdTokenError::malformed:
      return "the identity provider's ID token is malformed";
    case IdTokenError::unsupported_algorithm:
      return "the ID token is signed with an algorithm that is not allowed";
    case IdTokenError::unknown_key:
      return "the ID token is signed with a key the identity provider does not publish";
    case IdTokenError::keys_unavailable:
      return "the identity provider's keys could not be fetched";
    case IdTokenError::bad_signature:
      return "the ID token's signature is not valid";
    case IdTokenError::wrong_issuer:
      return "the ID token was issued by another provider";
    case IdTokenError::wrong_audience:
      return "the ID token was issued to another client";
    case IdTokenError::wrong_nonce:
      return "the ID token does not belong to this sign-in (nonce)";
    case IdTokenError::expired:
      return "the ID token has expired";
    case IdTokenError::issued_in_future:
      return "the ID token's issue time is not valid";
    case IdTokenError::missing_user:
      return "the ID token does not name the user";
  }
  return "the ID token is not valid";
}

std::string_view name(IdTokenError e) {
  switch (e) {
    case IdTokenError::malformed:
      return "malformed";
    case IdTokenError::unsupported_algorithm:
      return "unsupported_algorithm";
    case IdTokenError::unknown_key:
      return "unknown_key";
    case IdTokenError::keys_unavailable:
      return "keys_unavailable";
    case IdTokenError::bad_signature:
      return "bad_signature";
    case IdTokenError::wrong_issuer:
      return "wrong_issuer";
    case IdTokenError::wrong_audience:
      return "wrong_audience";
    case IdTokenError::wrong_nonce:
      return "wrong_nonce";
    case IdTokenError::expired:
      return "expired";
    case IdTokenError::issued_in_future:
      return "issued_in_future";
    case IdTokenError::missing_user:
      return "missing_user";
  }
  return "invalid";
}

expected<IdToken, IdTokenError> validate_id_token(std::string_view token, const IdTokenCheck& check,
                                                  const IdTokenKeys& keys) {
  using E = unexpected<IdTokenError>;
  auto jws = oauth::parse_jws(token);
  if (!jws)
    return E(jws.error() == oauth::AuthError::unsupported_algorithm ? IdTokenError::unsupported_algorithm
                                                                    : IdTokenError::malformed);
  // Algorithm confusion (RFC 8725 §3.1): only the provider's allow-list; HMAC never, since the
  // provider would sign with our client secret, which we also hold (a key anyone with it can forge).
  auto alg = jws->header.alg;
  if (oauth::family(alg) == oauth::AlgorithmFamily::hmac ||
      std::find(check.algorithms.begin(), check.algorithms.end(), alg) == check.algorithms.end())
    return E(IdTokenError::unsupported_algorithm);
  auto candidates = keys(jws->header.kid, alg);
  if (!candidates)
    return E(candidates.error() == oauth::AuthError::keys_unavailable ? IdTokenError::keys_unavailable
                                                                      : IdTokenError::unknown_key);
  bool verified = false;
  for (auto& k : *candidates)
    if (k && oauth::default_verifier().verify(alg, *k, jws->signing_input, jws->signature)) {
      verified = true;
      break;
    }
  if (!verified) return E(IdTokenError::bad_signature);

  auto parsed = parse_json(jws->payload, {16, 64 * 1024});
  if (!parsed || !parsed->is_object()) return E(IdTokenError::malformed);
  auto& c = parsed->as_object();
  auto str = [&](std::string_view k) -> std::optional<std::string> {
    auto* v = c.if_contains(k);
    if (!v || !v->is_string()) return std::nullopt;
    return std::string(v->as_string());
  };
  // OIDC Core §3.1.3.7 (2): iss exactly the provider's issuer.
  if (str("iss") != check.issuer) return E(IdTokenError::wrong_issuer);
  // (3): aud contains our client_id; other audiences (an application id, an API) are tolerated,
  // (4)/(5): but then azp must be present and be us, and a present azp is always us: a token
  // minted for another client of the same provider, replayed here, is refused.
  auto* aud = c.if_contains("aud");
  bool ours = false;
  std::size_t audiences = 0;
  if (aud && aud->is_string()) {
    audiences = 1;
    ours = aud->as_string() == check.client_id;
  } else if (aud && aud->is_array()) {
    for (auto& a : aud->as_array()) {
      ++audiences;
      ours = ours || (a.is_string() && a.as_string() == check.client_id);
    }
  }
  if (!ours) return E(IdTokenError::wrong_audience);
  auto* azp = c.if_contains("azp");
  if (audiences > 1 && !azp) return E(IdTokenError::wrong_audience);
  if (azp && (!azp->is_string() || azp->as_string() != check.client_id)) return E(IdTokenError::wrong_audience);
  // (11): the nonce we sent with this sign-in; an ID token of another sign-in is a replay.
  auto nonce = str("nonce");
  if (!nonce || !constant_time_equal(*nonce, check.nonce)) return E(IdTokenError::wrong_nonce);
  // (9), (10): exp and iat, with a small skew for clocks that differ.
  auto* expv = c.if_contains("exp");
  auto exp = expv ? oauth::numeric_date(*expv) : std::nullopt;
  if (!exp || *exp + check.skew <= check.now) return E(IdTokenError::expired);
  auto* iatv = c.if_contains("iat");
  auto iat = iatv ? oauth::numeric_date(*iatv) : std::nullopt;
  if (!iat || *iat > check.now + check.skew) return E(IdTokenError::issued_in_future);
  if (auto* nbf = c.if_contains("nbf")) {
    auto t = oauth::numeric_date(*nbf);
    if (!t || *t > check.now + check.skew) return E(IdTokenError::issued_in_future);
  }
  auto user = str(check.user_claim);
  if (!user || user->empty() || !str("sub")) return E(IdTokenError::missing_user);
  return IdToken{std::move(c), std::move(*user)};
}

}  // namespace mcpgate::authserver
