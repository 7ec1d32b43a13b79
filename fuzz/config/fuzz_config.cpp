// Gateway configuration: any text is either a configuration or an error message naming the
// source; never a crash, an escaping exception, or a hang.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/gateway_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16 * 1024) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto r = mcpgate::config::parse_gateway_config(text, "fuzz.yaml");
  if (!r) {
    if (r.error().message.rfind("fuzz.yaml", 0) != 0) std::abort();
    return 0;
  }
  if (r->servers.empty()) std::abort();
  for (auto& s : r->servers) {
    if (s.path.empty() || s.path[0] != '/' || s.upstreams.empty()) std::abort();
    for (auto& u : s.upstreams)
      if (!u.stdio == !u.http) std::abort();
  }
  return 0;
}
