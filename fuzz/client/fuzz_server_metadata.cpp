// An authorization server's metadata as the MCP client reads it (client::read_server_metadata),
// from a server the user only named by URL. Promises: a document accepted names the expected
// issuer, and its authorization and token endpoints are https or loopback http; PKCE S256 was
// advertised; no crash on any input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "client/discovery.hpp"

namespace {
using namespace mcpgate::client;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto t = read_server_metadata(in, "https://as.example");
  if (t) {
    check(t->issuer == "https://as.example");
    check(acceptable_endpoint(t->authorization_endpoint));
    check(acceptable_endpoint(t->token_endpoint));
    check(t->registration_endpoint.empty() || acceptable_endpoint(t->registration_endpoint));
    check(in.find("S256") != std::string_view::npos);
  }
  return 0;
}
