#include "authserver/client_metadata.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "core/json.hpp"
#include "net/address.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;

namespace {

[[nodiscard]] unexpected<MetadataError> bad(OAuthError error, std::string description) {
  return unexpected<MetadataError>(MetadataError{std::move(error), std::move(description)});
}

// RFC 8252 §7.3 loopback, decided from the parsed address: "http://127.evil.example/" is a
// redirect into the network, in clear.
[[nodiscard]] bool loopback_host(std::string_view host) {
  return net::is_loopback_host(host);
}

[[nodiscard]] bool valid_scheme_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return false;
  return true;
}

}  // namespace

bool is_loopback_redirect(std::string_view uri) {
  auto u = net::parse_absolute_url(uri);
  return u && u->scheme() == "http" && loopback_host(u->encoded_host());
}

MetadataResult<void> check_redirect_uri(std::string_view uri, const RedirectPolicy& policy) {
  if (uri.size() > 2048) return bad(OAuthError::invalid_redirect_uri, "redirect URI too long");
  auto u = net::parse_absolute_url(uri);
  if (!u) return bad(OAuthError::invalid_redirect_uri, "redirect URI is not an absolute URI");
  if (u->has_fragment()) return bad(OAuthError::invalid_redirect_uri, "redirect URI must not have a fragment");
  if (u->has_userinfo()) return bad(OAuthError::invalid_redirect_uri, "redirect URI must not have userinfo");
  std::string scheme(u->scheme());
  if (scheme == "https") {
    if (u->encoded_host().empty()) return bad(OAuthError::invalid_redirect_uri, "https redirect URI needs a host");
    return {};
  }
  if (scheme == "http") {
    if (policy.allow_loopback_http && loopback_host(u->encoded_host())) return {};
    return bad(OAuthError::invalid_redirect_uri, "http redirect URIs are allowed only on a loopback host");
  }
  for (auto& s : policy.private_schemes)
    if (s == scheme && valid_scheme_name(scheme)) return {};
  return bad(OAuthError::invalid_redirect_uri, "redirect URI scheme is not allowed");
}

bool redirect_uri_matches(std::string_view registered, std::string_view requested) {
  if (registered == requested) return true;
  // Only loopback http gets the any-port rule, and only between two well-formed URIs.
  auto r = net::parse_absolute_url(registered);
  auto q = net::parse_absolute_url(requested);
  if (!r || !q) return false;
  if (r->scheme() != "http" || q->scheme() != "http") return false;
  if (!loopback_host(r->encoded_host())) return false;
  if (q->has_userinfo() || q->has_fragment() || r->has_userinfo() || r->has_fragment()) return false;
  return r->encoded_host() == q->encoded_host() && r->encoded_path() == q->encoded_path() &&
         r->has_query() == q->has_query() && r->encoded_query() == q->encoded_query() &&
         // the port text, when present, must be digits only (no "127.0.0.1:80@evil")
         q->port().find_first_not_of("0123456789") == std::string_view::npos;
}

bool is_client_id_url(std::string_view id, bool allow_http) {
  if (id.size() > 2048) return false;
  auto u = net::parse_absolute_url(id);
  if (!u) return false;
  if (!(u->scheme() == "https" || (allow_http && u->scheme() == "http"))) return false;
  if (u->encoded_host().empty() || u->has_userinfo() || u->has_fragment()) return false;
  auto path = u->encoded_path();
  if (path.empty() || path == "/") return false;
  // No dot segments: the URL must be the canonical name of the document.
  std::string_view p = path;
  while (!p.empty()) {
    p.remove_prefix(1);
    auto seg = p.substr(0, p.find('/'));
    if (seg == "." || seg == "..") return false;
    p.remove_prefix(seg.size());
  }
  return true;
}

namespace {

// Common fields of RFC 7591 §2 and the metadata document.
[[nodiscard]] MetadataResult<ClientRecord> parse_common(const json::object& o, const RedirectPolicy& policy,
                                                        const DcrLimits& limits, bool document) {
  ClientRecord c;
  auto str = [&](std::string_view key, std::string& out) -> MetadataResult<void> {
    auto* v = o.if_contains(key);
    if (!v) return {};
    if (!v->is_string()) return bad(OAuthError::invalid_client_metadata, std::string(key) + " must be a string");
    if (v->as_string().size() > limits.max_string)
      return bad(OAuthError::invalid_client_metadata, std::string(key) + " too long");
    out = std::string(v->as_string());
    return {};
  };
  auto list = [&](std::string_view key, std::vector<std::string>& out) -> MetadataResult<void> {
    auto* v = o.if_contains(key);
    if (!v) return {};
    if (!v->is_array())
      return bad(OAuthError::invalid_client_metadata, std::string(key) + " must be an array of strings");
    if (v->as_array().size() > limits.max_redirect_uris)
      return bad(OAuthError::invalid_client_metadata, std::string(key) + " has too many entries");
    out.clear();
    for (auto& e : v->as_array()) {
      if (!e.is_string() || e.as_string().size() > limits.max_string)
        return bad(OAuthError::invalid_client_metadata, std::string(key) + " must be an array of strings");
      out.emplace_back(e.as_string());
    }
    return {};
  };
  if (auto r = str("client_name", c.client_name); !r) return unexpected(r.error());
  if (auto r = str("scope", c.scope); !r) return unexpected(r.error());
  // RFC 7591 §2: an omitted method means client_secret_basic; a metadata document cannot hold a
  // secret, so there it means none.
  c.token_endpoint_auth_method = document ? "none" : "client_secret_basic";
  if (auto r = str("token_endpoint_auth_method", c.token_endpoint_auth_method); !r) return unexpected(r.error());
  if (auto r = list("redirect_uris", c.redirect_uris); !r) return unexpected(r.error());
  if (auto r = list("grant_types", c.grant_types); !r) return unexpected(r.error());
  std::vector<std::string> response_types{"code"};
  if (auto r = list("response_types", response_types); !r) return unexpected(r.error());
  std::string app_type = document ? "native" : "web";  // OIDC Registration default for DCR
  if (auto r = str("application_type", app_type); !r) return unexpected(r.error());
  if (app_type != "web" && app_type != "native")
    return bad(OAuthError::invalid_client_metadata, "application_type must be web or native");
  c.application_type = app_type;

  const auto& m = c.token_endpoint_auth_method;
  if (m != "none" && m != "client_secret_basic" && m != "client_secret_post" && m != "private_key_jwt")
    return bad(OAuthError::invalid_client_metadata, "unsupported token_endpoint_auth_method");
  if (document && (m == "client_secret_basic" || m == "client_secret_post"))
    // A public document cannot carry a shared secret (CIMD draft §4.1).
    return bad(OAuthError::invalid_client_metadata, "a metadata document client cannot use a client secret");
  for (auto& g : c.grant_types)
    if (g != "authorization_code" && g != "refresh_token" && g != "client_credentials" &&
        g != "urn:ietf:params:oauth:grant-type:token-exchange" && g != "urn:ietf:params:oauth:grant-type:jwt-bearer")
      return bad(OAuthError::invalid_client_metadata, "unsupported grant_type");
  for (auto& r : response_types)
    if (r != "code") return bad(OAuthError::invalid_client_metadata, "only the code response type is supported");
  bool uses_code = std::find(c.grant_types.begin(), c.grant_types.end(), "authorization_code") != c.grant_types.end();
  if (uses_code && c.redirect_uris.empty()) return bad(OAuthError::invalid_redirect_uri, "redirect_uris is required");
  if (m == "none" && std::find(c.grant_types.begin(), c.grant_types.end(), "client_credentials") != c.grant_types.end())
    return bad(OAuthError::invalid_client_metadata, "client_credentials needs an authenticated client");
  for (auto& uri : c.redirect_uris) {
    if (auto r = check_redirect_uri(uri, policy); !r) return unexpected(r.error());
    // A web client's redirect is a web page: no private-use schemes (OIDC Registration §2).
    if (app_type == "web" && !uri.starts_with("https:") && !uri.starts_with("http:"))
      return bad(OAuthError::invalid_redirect_uri, "a web client must use https redirect URIs");
  }
  if (auto* j = o.if_contains("jwks")) {
    if (!j->is_object()) return bad(OAuthError::invalid_client_metadata, "jwks must be an object");
    c.jwks = serialize_json(*j);
  }
  if (o.if_contains("jwks_uri"))
    return bad(OAuthError::invalid_client_metadata, "jwks_uri is not supported; send jwks");
  if (m == "private_key_jwt" && c.jwks.empty())
    return bad(OAuthError::invalid_client_metadata, "private_key_jwt needs jwks");
  return c;
}

}  // namespace

MetadataResult<ClientRecord> parse_registration_request(std::string_view body, const RedirectPolicy& policy,
                                                        const DcrLimits& limits) {
  if (body.size() > limits.max_bytes) return bad(OAuthError::invalid_client_metadata, "request too large");
  auto v = parse_json(body, {16, limits.max_bytes});
  if (!v || !v->is_object()) return bad(OAuthError::invalid_client_metadata, "request body must be a JSON object");
  auto& o = v->as_object();
  // The registration request must not choose its own identity.
  if (o.contains("client_id") || o.contains("client_secret"))
    return bad(OAuthError::invalid_client_metadata, "client_id and client_secret are assigned by the server");
  auto c = parse_common(o, policy, limits, false);
  if (!c) return c;
  c->kind = ClientKind::dynamic;
  return c;
}

MetadataResult<ClientRecord> parse_client_metadata_document(std::string_view body, std::string_view client_id_url,
                                                            const RedirectPolicy& policy, const DcrLimits& limits) {
  if (body.size() > limits.max_bytes) return bad(OAuthError::invalid_client_metadata, "metadata document too large");
  auto v = parse_json(body, {16, limits.max_bytes});
  if (!v || !v->is_object()) return bad(OAuthError::invalid_client_metadata, "metadata document must be a JSON object");
  auto& o = v->as_object();
  auto* id = o.if_contains("client_id");
  // Without this check, any document could claim to be any client (CIMD draft §4.1).
  if (!id || !id->is_string() || id->as_string() != client_id_url)
    return bad(OAuthError::invalid_client_metadata, "metadata document client_id does not equal its URL");
  if (o.contains("client_secret") || o.contains("client_secret_expires_at"))
    return bad(OAuthError::invalid_client_metadata, "a metadata document must not contain a client secret");
  auto c = parse_common(o, policy, limits, true);
  if (!c) return c;
  if (c->redirect_uris.empty()) return bad(OAuthError::invalid_redirect_uri, "redirect_uris is required");
  c->client_id = std::string(client_id_url);
  c->kind = ClientKind::metadata_document;
  if (c->client_name.empty()) c->client_name = std::string(client_id_url);
  return c;
}

}  // namespace mcpgate::authserver
