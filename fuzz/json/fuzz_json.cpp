// Strict JSON: no crash or leak on any input; whatever is accepted serializes to text that is
// accepted again as the same value (so the gateway and an upstream read the same document).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/json.hpp"
#include "same_json.hpp"

namespace json = boost::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  mcpgate::JsonLimits limits;
  limits.max_depth = 32;
  auto v = mcpgate::parse_json(in, limits);
  if (!v) return 0;
  auto text = mcpgate::serialize_json(*v);
  auto again = mcpgate::parse_json(text, limits);
  if (!again || !same_json(*v, *again)) std::abort();
  return 0;
}
