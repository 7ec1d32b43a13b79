// Sealed legacy session ids (gateway/session_seal): whatever a client sends as Mcp-Session-Id is
// opened without a crash, and opens only if it was sealed under the key (a fuzzer cannot forge
// GCM's tag, so nothing it writes opens). The same bytes are also read as a decrypted payload by
// the payload parser: whatever it accepts seals again and opens to the same state.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/session_seal.hpp"

namespace {
using namespace mcpgate;
using namespace mcpgate::gateway;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  }
};

const SessionSealer& sealer() {
  static FixedClock clock;
  static SessionSealer s({{"fuzz", Secret(std::string(32, 'k'))}}, "https://mcp.example.com/mcp",
                         std::chrono::seconds(3600), clock);
  return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto& s = sealer();
  auto opened = s.open(in);
  check(!opened);  // never sealed under this key by anyone but us

  auto state = SessionSealer::parse_state(in);
  if (!state) return 0;
  auto copy = *state;
  auto id = s.seal(copy);
  if (!id) return 0;  // too large to send: not sealed
  for (unsigned char c : *id) check(c >= 0x21 && c <= 0x7e);
  auto again = s.open(*id);
  check(again.has_value());
  check(again->owner == state->owner && again->protocol_version == state->protocol_version &&
        again->handshake == state->handshake && again->upstreams.size() == state->upstreams.size());
  for (std::size_t i = 0; i < state->upstreams.size(); ++i)
    check(again->upstreams[i].session_id == state->upstreams[i].session_id &&
          again->upstreams[i].name == state->upstreams[i].name);
  return 0;
}
