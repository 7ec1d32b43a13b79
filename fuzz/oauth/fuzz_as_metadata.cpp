// Authorization server metadata parser (RFC 8414 §2) and well-known URL derivation (§3.1).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oauth/as_metadata.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)mcpgate::oauth::parse_as_metadata(in, "https://as.example.com");
  // The first line, if any, doubles as an issuer URL for the well-known path builder.
  (void)mcpgate::oauth::metadata_urls(in.substr(0, in.find('\n')));
  return 0;
}
