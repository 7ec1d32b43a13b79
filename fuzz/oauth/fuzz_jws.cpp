// JWS compact serialization parser (RFC 7515 §7.1), and the Authorization header in front of it.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "oauth/bearer.hpp"
#include "oauth/jws.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto jws = mcpgate::oauth::parse_jws(in);
  if (jws) {
    // What the validator does next with an attacker's payload.
    (void)mcpgate::parse_json(jws->payload, mcpgate::JsonLimits{16, 8 * 1024});
  }
  std::vector<mcpgate::oauth::HeaderField> headers{{"Authorization", in}};
  (void)mcpgate::oauth::extract_bearer(headers);
  return 0;
}
