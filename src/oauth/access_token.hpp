#pragma once
// The claims of a JWT access token (RFC 7519 §4.1, RFC 9068 §2.2) checked against one issuer's
// policy, and the Principal they describe. Signature checking happens before this, elsewhere.
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oauth/auth_error.hpp"

namespace mcpgate::oauth {

// Who a request acts for. Everything policy may look at; no token bytes.
struct Principal {
  std::string issuer;
  std::string subject;
  std::optional<std::string> client_id;  // client_id, else azp
  std::vector<std::string> scopes;
  boost::json::object claims;  // the whole verified payload (or introspection response)
  std::chrono::system_clock::time_point expiry;

  bool has_scope(std::string_view scope) const;
};

struct ClaimPolicy {
  std::string issuer;    // exact match (RFC 8414 §3.3 / RFC 9207 style: no normalization)
  std::string resource;  // this endpoint's resource; compared after normalize_resource()
  std::chrono::seconds leeway{30};
};

// exp is required; nbf and iat are checked when present; aud must name our resource.
//   iss ≠ policy.issuer                → wrong_issuer
//   aud missing or without us          → wrong_audience (RFC 8707 §2, RFC 9068 §4)
//   exp absent                         → missing_exp
//   now ≥ exp + leeway                 → expired (RFC 7519 §4.1.4)
//   now + leeway < nbf, or iat future  → not_yet_valid (RFC 7519 §4.1.5)
//   a claim of the wrong JSON type     → malformed_token
// `claims` becomes the principal's: a caller done with them moves them in rather than copying.
[[nodiscard]] AuthResult<Principal> validate_claims(boost::json::object claims, const ClaimPolicy& policy,
                                                    std::chrono::system_clock::time_point now);

// aud as a string or an array of strings, compared after normalization.
bool audience_matches(const boost::json::value& aud, std::string_view resource);

// `scope` (space-delimited string, RFC 8693 §4.2 / RFC 9068 §2.2.3), else `scp` (array or
// string, as Entra ID and Okta send it). nullopt when a present claim has the wrong type.
std::optional<std::vector<std::string>> parse_scopes(const boost::json::object& claims);

// A NumericDate (RFC 7519 §2) within a sane range; nullopt otherwise. Dates after 2242 read as
// 2242: the system clock cannot represent much later instants.
std::optional<std::int64_t> numeric_date(const boost::json::value& v);

}  // namespace mcpgate::oauth
