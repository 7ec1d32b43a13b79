// SSE: (1) events do not depend on how the stream is chunked; (2) whatever format_sse writes
// parses back to one event with the same data (line breaks normalized) and the same id.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "net/sse.hpp"

using mcpgate::net::SseEvent;
using mcpgate::net::SseParser;

static bool same(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].data != b[i].data || a[i].event != b[i].event || a[i].id != b[i].id || a[i].retry_ms != b[i].retry_ms)
      return false;
  return true;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t chunk = data[0] % 7 + 1;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  constexpr std::size_t kLimit = 256;

  SseParser whole(kLimit), pieces(kLimit);
  std::vector<SseEvent> a, b;
  bool ok_a = whole.feed(in, a);
  bool ok_b = true;
  for (std::size_t i = 0; i < in.size() && ok_b; i += chunk) ok_b = pieces.feed(in.substr(i, chunk), b);
  // The size limit is checked per feed, so only fully accepted streams must agree.
  if (ok_a && ok_b) {
    if (!same(a, b)) std::abort();
    if (whole.last_event_id() != pieces.last_event_id()) std::abort();
  }

  std::string id;
  for (char c : in.substr(0, 8))
    if (c != '\n' && c != '\r' && c != '\0') id += c;
  std::string wire = mcpgate::net::format_sse(in, id, "message");
  SseParser p(wire.size() + 16);
  std::vector<SseEvent> out;
  if (!p.feed(wire, out) || out.size() != 1) std::abort();
  std::string expected;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\r') {
      expected += '\n';
      if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
    } else {
      expected += in[i];
    }
  }
  if (out[0].data != expected || out[0].id != id || out[0].event != "message") std::abort();
  return 0;
}
