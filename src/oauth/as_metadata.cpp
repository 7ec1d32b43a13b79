#include "oauth/as_metadata.hpp"

#include <algorithm>

#include "core/json.hpp"

namespace mcpgate::oauth {
namespace json = boost::json;

Result<AuthorizationServerMetadata> parse_as_metadata(std::string_view text, std::string_view expected_issuer,
                                                      const MetadataLimits& limits) {
  auto doc = parse_json(text, JsonLimits{limits.max_json_depth, limits.max_bytes});
  if (!doc) return fail("AS metadata: " + doc.error().message);
  if (!doc->is_object()) return fail("AS metadata is not a JSON object");
  auto& o = doc->get_object();
  AuthorizationServerMetadata m;
  auto* iss = o.if_contains("issuer");
  if (!iss || !iss->is_string()) return fail("AS metadata has no issuer");
  if (iss->get_string() != expected_issuer) return fail("AS metadata issuer does not match the configured issuer");
  m.issuer = std::string(iss->get_string());
  auto opt_string = [&](std::string_view name, std::optional<std::string>& dst) -> bool {
    auto* v = o.if_contains(name);
    if (!v) return true;
    if (!v->is_string()) return false;
    dst = std::string(v->get_string());
    return true;
  };
  if (!opt_string("jwks_uri", m.jwks_uri) || !opt_string("introspection_endpoint", m.introspection_endpoint) ||
      !opt_string("token_endpoint", m.token_endpoint))
    return fail("AS metadata endpoint is not a string");
  if (auto* s = o.if_contains("scopes_supported")) {
    if (!s->is_array()) return fail("AS metadata scopes_supported is not an array");
    for (auto& v : s->get_array()) {
      if (!v.is_string()) return fail("AS metadata scope is not a string");
      m.scopes_supported.emplace_back(v.get_string());
    }
  }
  m.raw = std::move(o);
  return m;
}

std::vector<std::string> metadata_urls(std::string_view issuer) {
  std::string_view origin = issuer, path;
  if (auto sep = issuer.find("://"); sep != std::string_view::npos) {
    auto slash = issuer.find('/', sep + 3);
    if (slash != std::string_view::npos) {
      origin = issuer.substr(0, slash);
      path = issuer.substr(slash);
    }
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::vector<std::string> out{
      std::string(origin) + "/.well-known/oauth-authorization-server" + std::string(path),
      std::string(origin) + "/.well-known/openid-configuration" + std::string(path),
      std::string(origin) + std::string(path) + "/.well-known/openid-configuration",
  };
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace mcpgate::oauth
