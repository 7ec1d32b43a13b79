// Strict base64url: whatever decodes must be the one canonical encoding of its bytes, and every
// byte string round-trips.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/base64url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto decoded = mcpgate::base64url_decode(in)) {
    if (mcpgate::base64url_encode(*decoded) != in) std::abort();  // a second spelling was accepted
  }
  auto text = mcpgate::base64url_encode(in);
  auto back = mcpgate::base64url_decode(text);
  if (!back || *back != in) std::abort();
  if (auto padded = mcpgate::base64_decode(in)) {
    if (mcpgate::base64_encode(*padded) != in) std::abort();
  }
  auto std_back = mcpgate::base64_decode(mcpgate::base64_encode(in));
  if (!std_back || *std_back != in) std::abort();
  return 0;
}
