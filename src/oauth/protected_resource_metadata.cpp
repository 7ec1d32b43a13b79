#include "oauth/protected_resource_metadata.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace mcpgate::oauth {
namespace json = boost::json;

std::string to_json(const ProtectedResourceMetadata& prm) {
  json::object o;
  o["resource"] = prm.resource;
  json::array as;
  for (auto& a : prm.authorization_servers) as.emplace_back(a);
  o["authorization_servers"] = std::move(as);
  json::array scopes;
  for (auto& s : prm.scopes_supported) scopes.emplace_back(s);
  o["scopes_supported"] = std::move(scopes);
  o["bearer_methods_supported"] = json::array{"header"};
  if (prm.resource_name) o["resource_name"] = *prm.resource_name;
  if (prm.resource_documentation) o["resource_documentation"] = *prm.resource_documentation;
  return json::serialize(o);
}

std::string prm_well_known_path(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::string out = "/.well-known/oauth-protected-resource";
  if (!path.empty()) {
    if (path.front() != '/') out += '/';
    out += path;
  }
  return out;
}

std::string prm_url(std::string_view public_url, std::string_view resource_path) {
  while (!public_url.empty() && public_url.back() == '/') public_url.remove_suffix(1);
  return std::string(public_url) + prm_well_known_path(resource_path);
}

}  // namespace mcpgate::oauth
