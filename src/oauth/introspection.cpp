#include "oauth/introspection.hpp"

#include "core/base64url.hpp"
#include "core/json.hpp"

namespace mcpgate::oauth {
namespace json = boost::json;
using std::chrono::seconds;
using std::chrono::system_clock;

std::string form_urlencode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '*') {
      out += char(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

HttpFetchRequest HttpIntrospector::build_request(const Secret& token) const {
  HttpFetchRequest r;
  r.method = "POST";
  r.url = config_.endpoint;
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  r.body = "token=" + form_urlencode(token.reveal()) + "&token_type_hint=access_token";
  if (config_.auth_method == ClientAuthMethod::client_secret_basic) {
    // RFC 6749 §2.3.1: each part form-encoded before base64.
    std::string creds = form_urlencode(config_.client_id) + ":" + form_urlencode(config_.client_secret.reveal());
    r.headers.emplace_back("Authorization", "Basic " + base64_encode(creds));
  } else {
    r.body += "&client_id=" + form_urlencode(config_.client_id) +
              "&client_secret=" + form_urlencode(config_.client_secret.reveal());
  }
  return r;
}

Result<json::object> parse_introspection_response(std::string_view text) {
  auto doc = parse_json(text, JsonLimits{16, 256 * 1024});
  if (!doc) return fail("introspection: " + doc.error().message);
  if (!doc->is_object()) return fail("introspection response is not an object");
  auto* active = doc->get_object().if_contains("active");
  if (!active || !active->is_bool()) return fail("introspection response has no boolean active");
  return std::move(doc->get_object());
}

AuthResult<json::object> HttpIntrospector::introspect(const Secret& token) {
  auto r = http_->fetch(build_request(token));
  if (!r || r->status != 200) return reject(AuthError::introspection_failed);
  auto parsed = parse_introspection_response(r->body);
  if (!parsed) return reject(AuthError::introspection_failed);
  return std::move(*parsed);
}

AuthResult<Principal> principal_from_introspection(const json::object& resp, const IntrospectionPolicy& policy,
                                                   system_clock::time_point now) {
  auto* active = resp.if_contains("active");
  // Only the JSON literal true counts: "true", 1 and absence all mean inactive (RFC 7662 §2.2).
  if (!active || !active->is_bool() || !active->get_bool()) return reject(AuthError::inactive);
  Principal p;
  if (auto* iss = resp.if_contains("iss")) {
    if (!iss->is_string()) return reject(AuthError::malformed_token);
    if (policy.issuer && iss->get_string() != *policy.issuer) return reject(AuthError::wrong_issuer);
    p.issuer = std::string(iss->get_string());
  } else if (policy.issuer) {
    p.issuer = *policy.issuer;
  }
  p.expiry = now + policy.default_lifetime;
  if (auto* exp = resp.if_contains("exp")) {
    auto v = numeric_date(*exp);
    if (!v) return reject(AuthError::malformed_token);
    auto expiry = system_clock::time_point(seconds(*v));
    if (now >= expiry + policy.leeway) return reject(AuthError::expired);
    p.expiry = std::min(p.expiry, expiry);
  }
  if (auto* nbf = resp.if_contains("nbf")) {
    auto v = numeric_date(*nbf);
    if (!v) return reject(AuthError::malformed_token);
    if (now + policy.leeway < system_clock::time_point(seconds(*v))) return reject(AuthError::not_yet_valid);
  }
  auto* aud = resp.if_contains("aud");
  if (!aud || !audience_matches(*aud, policy.resource)) return reject(AuthError::wrong_audience);
  if (auto* sub = resp.if_contains("sub")) {
    if (!sub->is_string()) return reject(AuthError::malformed_token);
    p.subject = std::string(sub->get_string());
  }
  if (auto* c = resp.if_contains("client_id")) {
    if (!c->is_string()) return reject(AuthError::malformed_token);
    p.client_id = std::string(c->get_string());
  }
  auto scopes = parse_scopes(resp);
  if (!scopes) return reject(AuthError::malformed_token);
  p.scopes = std::move(*scopes);
  p.claims = resp;
  return p;
}

}  // namespace mcpgate::oauth
