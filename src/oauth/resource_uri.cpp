#include "oauth/resource_uri.hpp"

#include <cctype>

namespace mcpgate::oauth {
namespace {
void lower(std::string& s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}
std::string strip_trailing_slash(std::string_view path_and_query) {
  auto q = path_and_query.find('?');
  std::string_view path = path_and_query.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view{} : path_and_query.substr(q);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return std::string(path) + std::string(query);
}
}  // namespace

std::string normalize_resource(std::string_view uri) {
  if (auto f = uri.find('#'); f != std::string_view::npos) uri = uri.substr(0, f);
  auto sep = uri.find("://");
  if (sep == std::string_view::npos) return strip_trailing_slash(uri);
  std::string scheme(uri.substr(0, sep));
  lower(scheme);
  std::string_view rest = uri.substr(sep + 3);
  auto end = rest.find_first_of("/?");
  std::string authority(rest.substr(0, end));
  std::string_view tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  lower(authority);
  if (scheme == "https" && authority.ends_with(":443")) authority.resize(authority.size() - 4);
  if (scheme == "http" && authority.ends_with(":80")) authority.resize(authority.size() - 3);
  return scheme + "://" + authority + strip_trailing_slash(tail);
}

}  // namespace mcpgate::oauth
