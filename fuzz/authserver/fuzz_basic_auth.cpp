// The Authorization: Basic header of client authentication (RFC 6749 §2.3.1, RFC 7617).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "authserver/form.hpp"
#include "core/base64url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)mcpgate::authserver::parse_basic_auth(in);
  // Also as the decoded credentials a client would send, which reaches the id/secret split.
  auto b = mcpgate::authserver::parse_basic_auth("Basic " + mcpgate::base64_encode(in));
  if (b && b->raw_client_id.find(':') != std::string::npos) __builtin_trap();  // split at the first colon
  return 0;
}
