// Strict JSON: no crash or leak on any input; whatever is accepted serializes to text that is
// accepted again as the same value (so the gateway and an upstream read the same document).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/json.hpp"

namespace json = boost::json;

// Equal, except that doubles may differ in their last bits: Boost.JSON 1.81 parses decimals
// imprecisely (no correctly rounded mode), so text → double → text → double can move one ULP.
static bool same(const json::value& a, const json::value& b) {
  if (a.is_double() && b.is_double()) {
    double x = a.get_double(), y = b.get_double();
    return x == y || std::fabs(x - y) <= 1e-12 * std::fmax(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    auto &p = a.get_array(), &q = b.get_array();
    if (p.size() != q.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i)
      if (!same(p[i], q[i])) return false;
    return true;
  }
  if (a.is_object()) {
    auto &p = a.get_object(), &q = b.get_object();
    if (p.size() != q.size()) return false;
    for (auto& kv : p) {
      auto* other = q.if_contains(kv.key());
      if (!other || !same(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  mcpgate::JsonLimits limits;
  limits.max_depth = 32;
  auto v = mcpgate::parse_json(in, limits);
  if (!v) return 0;
  auto text = mcpgate::serialize_json(*v);
  auto again = mcpgate::parse_json(text, limits);
  if (!again || !same(*v, *again)) std::abort();
  return 0;
}
