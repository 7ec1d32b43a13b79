// The client side of RFC 9728, both inputs from a remote server: a WWW-Authenticate value (RFC
// 9110 §11.6.1) and a Protected Resource Metadata document (§2, §3.3). Whatever the bytes, the
// parsers return (no crash, no hang), what they return holds what they promise (a resource
// identical to the expected one; https authorization servers, or http on loopback), and the
// well-known URLs stay under /.well-known/oauth-protected-resource.
// Input: the first line is a challenge; the rest a metadata document.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oauth/resource_discovery.hpp"

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mcpgate::oauth;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  auto challenge = in.substr(0, nl);
  auto document = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  if (auto params = parse_bearer_challenge(challenge))
    for (auto& [name, value] : *params) check(!name.empty() && name.find('=') == std::string::npos);
  constexpr std::string_view kResource = "https://crm.example/mcp";
  if (auto md = parse_resource_metadata(document, kResource)) {
    check(md->resource == kResource);
    check(!md->authorization_servers.empty());
    for (auto& s : md->authorization_servers) check(s.starts_with("https://") || s.starts_with("http://"));
  }
  for (auto& u : resource_metadata_urls(challenge))
    check(u.find("/.well-known/oauth-protected-resource") != std::string::npos);
  return 0;
}
