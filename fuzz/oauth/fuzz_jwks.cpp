// JWKS / JWK parser (RFC 7517 §4, §5), including key construction in OpenSSL.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oauth/jwks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  mcpgate::oauth::JwkOptions options;
  options.allow_symmetric = (size % 2) == 0;  // both configurations, deterministically per input
  auto set = mcpgate::oauth::parse_jwks(in, options);
  if (set) {
    for (auto alg : {mcpgate::oauth::Algorithm::RS256, mcpgate::oauth::Algorithm::ES256,
                     mcpgate::oauth::Algorithm::EdDSA, mcpgate::oauth::Algorithm::HS256})
      (void)set->candidates(std::nullopt, alg);
  }
  return 0;
}
