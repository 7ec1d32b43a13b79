#include "oauth/access_token.hpp"

#include <algorithm>
#include <cmath>

#include "oauth/resource_uri.hpp"

namespace mcpgate::oauth {
namespace json = boost::json;
using std::chrono::seconds;
using std::chrono::system_clock;

bool Principal::has_scope(std::string_view scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

std::optional<std::int64_t> numeric_date(const json::value& v) {
  // Year ~36812: far beyond any real token; refused as nonsense.
  constexpr std::int64_t kMax = std::int64_t(1) << 40;
  // Year 2242. The system clock counts nanoseconds in 64 bits and ends in 2262: a later date would
  // overflow when it becomes a time_point (a far-future nbf wrapped into the past and passed), so
  // later dates read as this one, which is still "never" for an exp and "not yet" for an nbf.
  constexpr std::int64_t kLatest = std::int64_t(1) << 33;
  std::int64_t out;
  if (v.is_int64()) {
    out = v.get_int64();
    if (out < 0 || out > kMax) return std::nullopt;
  } else if (v.is_uint64()) {
    auto u = v.get_uint64();
    if (u > std::uint64_t(kMax)) return std::nullopt;
    out = std::int64_t(u);
  } else if (v.is_double()) {
    double d = v.get_double();
    if (!std::isfinite(d) || d < 0 || d > double(kMax)) return std::nullopt;
    out = std::int64_t(d);
  } else {
    return std::nullopt;
  }
  return std::min(out, kLatest);
}

bool audience_matches(const json::value& aud, std::string_view resource) {
  // The same text normalizes the same way: an audience written exactly as the resource (what an
  // authorization server that was given the resource indicator writes) needs no URL parse.
  auto same = [&](const json::value& a) { return a.is_string() && std::string_view(a.get_string()) == resource; };
  if (same(aud)) return true;
  if (aud.is_array())
    for (auto& a : aud.get_array())
      if (same(a)) return true;
  std::string want = normalize_resource(resource);
  if (aud.is_string()) return normalize_resource(std::string_view(aud.get_string())) == want;
  if (!aud.is_array()) return false;
  for (auto& a : aud.get_array())
    if (a.is_string() && normalize_resource(std::string_view(a.get_string())) == want) return true;
  return false;
}

namespace {
void split_spaces(std::string_view s, std::vector<std::string>& out) {
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
}
}  // namespace

std::optional<std::vector<std::string>> parse_scopes(const json::object& claims) {
  std::vector<std::string> out;
  if (auto* scope = claims.if_contains("scope")) {
    if (!scope->is_string()) return std::nullopt;
    split_spaces(std::string_view(scope->get_string()), out);
    return out;
  }
  if (auto* scp = claims.if_contains("scp")) {
    if (scp->is_string()) {
      split_spaces(std::string_view(scp->get_string()), out);
      return out;
    }
    if (!scp->is_array()) return std::nullopt;
    // Each element is one scope-token (RFC 6749 §3.3: one or more characters, no space). An empty
    // element or one holding a space would be a scope no rule can name, or two scopes read as one.
    for (auto& s : scp->get_array()) {
      if (!s.is_string()) return std::nullopt;
      std::string_view token(s.get_string());
      if (token.empty() || token.find(' ') != std::string_view::npos) return std::nullopt;
      out.emplace_back(token);
    }
  }
  return out;
}

AuthResult<Principal> validate_claims(json::object claims, const ClaimPolicy& policy, system_clock::time_point now) {
  auto* iss = claims.if_contains("iss");
  if (!iss || !iss->is_string() || iss->get_string() != policy.issuer) return reject(AuthError::wrong_issuer);

  auto* exp = claims.if_contains("exp");
  if (!exp) return reject(AuthError::missing_exp);
  auto exp_s = numeric_date(*exp);
  if (!exp_s) return reject(AuthError::malformed_token);
  auto expiry = system_clock::time_point(seconds(*exp_s));
  if (now >= expiry + policy.leeway) return reject(AuthError::expired);
  if (auto* nbf = claims.if_contains("nbf")) {
    auto v = numeric_date(*nbf);
    if (!v) return reject(AuthError::malformed_token);
    if (now + policy.leeway < system_clock::time_point(seconds(*v))) return reject(AuthError::not_yet_valid);
  }
  if (auto* iat = claims.if_contains("iat")) {
    auto v = numeric_date(*iat);
    if (!v) return reject(AuthError::malformed_token);
    if (now + policy.leeway < system_clock::time_point(seconds(*v))) return reject(AuthError::not_yet_valid);
  }

  // Audience last among the cheap checks but before anything is trusted: a token minted for
  // another resource must not work here (the token-passthrough / confused-deputy attack).
  auto* aud = claims.if_contains("aud");
  if (!aud || !audience_matches(*aud, policy.resource)) return reject(AuthError::wrong_audience);

  Principal p;
  p.issuer = policy.issuer;
  if (auto* sub = claims.if_contains("sub")) {
    if (!sub->is_string()) return reject(AuthError::malformed_token);
    p.subject = std::string(sub->get_string());
  }
  for (auto name : {"client_id", "azp"}) {
    if (auto* c = claims.if_contains(name)) {
      if (!c->is_string()) return reject(AuthError::malformed_token);
      p.client_id = std::string(c->get_string());
      break;
    }
  }
  auto scopes = parse_scopes(claims);
  if (!scopes) return reject(AuthError::malformed_token);
  p.scopes = std::move(*scopes);
  p.claims = std::move(claims);
  p.expiry = expiry;
  return p;
}

}  // namespace mcpgate::oauth
