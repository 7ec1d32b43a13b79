// application/x-www-form-urlencoded bodies and query strings (token, authorize, login, consent,
// introspection and revocation requests).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "authserver/form.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto p = mcpgate::authserver::parse_form(in);
  if (p) {
    for (auto& [k, v] : *p) {
      // Round trip: what we encode, we decode to the same bytes.
      auto back = mcpgate::authserver::percent_decode(mcpgate::authserver::percent_encode(v), true);
      if (!back || *back != v) __builtin_trap();
      (void)k;
    }
  }
  (void)mcpgate::authserver::percent_decode(in, false);
  return 0;
}
