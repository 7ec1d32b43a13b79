// Client metadata JSON: Dynamic Client Registration requests (RFC 7591) and Client ID Metadata
// Documents, plus the redirect URI checks they run.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "authserver/client_metadata.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mcpgate::authserver;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  RedirectPolicy policy{true, {"com.example.app"}};
  auto dcr = parse_registration_request(in, policy);
  if (dcr)
    for (auto& u : dcr->redirect_uris)
      if (!check_redirect_uri(u, policy)) __builtin_trap();  // accepted metadata passes its own rules
  auto doc = parse_client_metadata_document(in, "https://client.example.com/oauth/metadata.json", policy);
  if (doc && doc->client_id != "https://client.example.com/oauth/metadata.json") __builtin_trap();
  (void)is_client_id_url(in);
  (void)redirect_uri_matches("http://127.0.0.1/callback", in);
  (void)redirect_uri_matches(in, "http://127.0.0.1:8080/callback");
  return 0;
}
