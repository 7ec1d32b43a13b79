#include "client/discovery.hpp"

#include <boost/url/parse.hpp>

#include "exchange/token_response.hpp"  // printable
#include "net/address.hpp"
#include "oauth/as_metadata.hpp"
#include "oauth/resource_discovery.hpp"

namespace mcpgate::client {

namespace {

std::string origin_of(std::string_view url) {
  auto u = net::parse_absolute_url(url);
  if (!u) return {};
  return std::string(u->scheme()) + "://" + std::string(u->encoded_authority());
}

// What one well-known URL said: a document, nothing there (try the next), or a stop.
enum class Fetched { document, absent };
[[nodiscard]] Result<Fetched> fetch_document(oauth::HttpFetcher& fetcher, const std::string& url, std::string& body) {
  oauth::HttpFetchRequest req;
  req.url = url;
  auto r = fetcher.fetch(req);
  if (!r) return unexpected(r.error());
  // Metadata is never followed across a redirect (RFC 9728 §3.3 for resource metadata; the same
  // reasoning for RFC 8414): a redirect could swap in another party's document.
  if (r->status / 100 == 3)
    return fail(url + " answered with a redirect (to " + exchange::printable(r->header("location"), 120) +
                "); metadata redirects are not followed");
  if (r->status != 200) return Fetched::absent;
  body = std::move(r->body);
  return Fetched::document;
}

bool has(const std::vector<std::string>& v, std::string_view s) {
  for (auto& x : v)
    if (x == s) return true;
  return false;
}

[[nodiscard]] Result<std::vector<std::string>> string_list(const boost::json::object& o, std::string_view name) {
  std::vector<std::string> out;
  auto* v = o.if_contains(name);
  if (!v) return out;
  if (!v->is_array()) return fail("authorization server metadata: " + std::string(name) + " is not an array");
  for (auto& e : v->get_array()) {
    if (!e.is_string()) return fail("authorization server metadata: " + std::string(name) + " holds a non-string");
    out.emplace_back(e.get_string());
  }
  return out;
}

}  // namespace

bool acceptable_endpoint(std::string_view url) {
  auto u = net::parse_absolute_url(url);
  if (!u || u->has_userinfo() || u->has_fragment() || u->host().empty()) return false;
  if (u->scheme() == "https") return true;
  return u->scheme() == "http" && net::is_loopback_url(url);
}

Result<AuthorizationTarget> read_server_metadata(std::string_view text, const std::string& issuer) {
  auto md = oauth::parse_as_metadata(text, issuer);
  // RFC 8414 §3.3: a document whose issuer is not the one its URL was built from is refused,
  // whatever else it says (a mix-up attack serves another server's endpoints under this name).
  if (!md) return fail(md.error().message + " (issuer " + exchange::printable(issuer, 120) + ")");
  AuthorizationTarget t;
  t.issuer = issuer;
  auto endpoint = [&](std::string_view name, std::string& dst, bool required) -> Result<void> {
    auto* v = md->raw.if_contains(name);
    if (!v) {
      if (required) return fail("authorization server metadata has no " + std::string(name));
      return {};
    }
    if (!v->is_string()) return fail("authorization server metadata: " + std::string(name) + " is not a string");
    std::string url(v->get_string());
    // An http endpoint off this machine would carry codes, tokens and secrets in clear text.
    if (!acceptable_endpoint(url))
      return fail("authorization server metadata: " + std::string(name) + " is not https (" +
                  exchange::printable(url, 120) + "); only loopback hosts may use plain http");
    dst = std::move(url);
    return {};
  };
  if (auto r = endpoint("authorization_endpoint", t.authorization_endpoint, true); !r) return unexpected(r.error());
  if (auto r = endpoint("token_endpoint", t.token_endpoint, true); !r) return unexpected(r.error());
  if (auto r = endpoint("registration_endpoint", t.registration_endpoint, false); !r) return unexpected(r.error());
  auto pkce = string_list(md->raw, "code_challenge_methods_supported");
  if (!pkce) return unexpected(pkce.error());
  // MCP authorization, "Authorization Code Protection": without code_challenge_methods_supported
  // the server is taken not to support PKCE, and the client MUST refuse to proceed.
  if (!has(*pkce, "S256"))
    return fail(
        "the authorization server does not advertise PKCE with S256 (code_challenge_methods_supported); "
        "refusing to authorize without it");
  auto types = string_list(md->raw, "response_types_supported");
  if (!types) return unexpected(types.error());
  if (!types->empty() && !has(*types, "code"))
    return fail("the authorization server does not support the authorization code flow (response_types_supported)");
  auto methods = string_list(md->raw, "token_endpoint_auth_methods_supported");
  if (!methods) return unexpected(methods.error());
  t.token_auth_methods = std::move(*methods);
  auto flag = [&](std::string_view name) {
    auto* v = md->raw.if_contains(name);
    return v && v->is_bool() && v->get_bool();
  };
  t.client_id_metadata_documents = flag("client_id_metadata_document_supported");
  t.iss_parameter_supported = flag("authorization_response_iss_parameter_supported");
  return t;
}

Result<AuthorizationTarget> discover(oauth::HttpFetcher& fetcher, const std::string& endpoint,
                                     const std::string& www_authenticate) {
  std::vector<std::string> prm_urls;
  if (auto challenge = oauth::parse_bearer_challenge(www_authenticate)) {
    if (auto it = challenge->find("resource_metadata"); it != challenge->end()) {
      if (!acceptable_endpoint(it->second))
        return fail("the server's challenge points at resource metadata that is not https (" +
                    exchange::printable(it->second, 120) + ")");
      prm_urls.push_back(it->second);
    }
  }
  for (auto& u : oauth::resource_metadata_urls(endpoint))
    if (!has(prm_urls, u)) prm_urls.push_back(u);

  std::optional<oauth::ResourceMetadata> prm;
  for (auto& url : prm_urls) {
    std::string body;
    auto got = fetch_document(fetcher, url, body);
    if (!got) return unexpected(got.error());
    if (*got == Fetched::absent) continue;
    // A document that is there but wrong stops the flow: falling back to another location would
    // let whoever serves the wrong one choose what the client does next.
    auto md = oauth::parse_resource_metadata(body, endpoint, oauth::ResourceMatch::prefix);
    if (!md) return fail(url + ": " + md.error().message);
    prm = std::move(*md);
    break;
  }

  AuthorizationTarget target;
  std::string issuer;
  if (prm) {
    issuer = prm->authorization_servers.front();
    target.resource = prm->resource;
    target.scopes_supported = prm->scopes_supported;
  } else {
    // 2025-03-26: no resource metadata; the MCP server's origin is the authorization server.
    issuer = origin_of(endpoint);
    target.resource = endpoint;
  }
  if (!acceptable_endpoint(issuer))
    return fail("the authorization server " + exchange::printable(issuer, 120) + " is not https");

  for (auto& url : oauth::metadata_urls(issuer)) {
    std::string body;
    auto got = fetch_document(fetcher, url, body);
    if (!got) return unexpected(got.error());
    if (*got == Fetched::absent) continue;
    auto t = read_server_metadata(body, issuer);
    if (!t) return fail(url + ": " + t.error().message);
    t->resource = target.resource;
    t->scopes_supported = target.scopes_supported;
    return t;
  }
  if (prm)
    return fail("the authorization server " + exchange::printable(issuer, 120) +
                " publishes no metadata (RFC 8414 or OpenID Connect discovery)");
  // 2025-03-26 "Fallbacks for Servers without Metadata Discovery": the default paths on the
  // authorization base URL.
  target.issuer = issuer;
  target.authorization_endpoint = issuer + "/authorize";
  target.token_endpoint = issuer + "/token";
  target.registration_endpoint = issuer + "/register";
  target.legacy_defaults = true;
  return target;
}

}  // namespace mcpgate::client
