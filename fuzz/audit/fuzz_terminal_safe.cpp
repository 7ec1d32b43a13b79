// What `mcpgate audit` prints of a server's words (error texts, URLs, challenge values) goes
// through terminal_safe: a hostile server must not be able to move the cursor, clear the screen or
// recolour a failure as a pass. Promise: the output is well-formed UTF-8 without C0, DEL or C1
// code points, a fixed point (cleaning it again changes nothing), and printable ASCII input
// comes back unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "audit/table_renderer.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Well-formed UTF-8 with no control code point.
bool clean(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xA0)) return false;
    i += len;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto out = mcpgate::audit::terminal_safe(in);
  check(clean(out));
  check(mcpgate::audit::terminal_safe(out) == out);
  bool ascii = true;
  for (unsigned char c : in)
    if (c < 0x20 || c > 0x7e) ascii = false;
  if (ascii) check(out == in);
  return 0;
}
