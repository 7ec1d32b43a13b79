// What arrives at the client's loopback redirect URI (client::read_callback): the request target
// of whatever the browser was sent to. Promises: only a target with exactly the expected state
// and, when present, exactly the expected iss gives a code; a code is never empty; every message
// is printable ASCII (it goes to the terminal).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "client/authorization_request.hpp"

namespace {
using namespace mcpgate::client;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void one(std::string_view target, bool iss_required) {
  auto c = read_callback(target, "st4te", "https://as.example", iss_required);
  for (unsigned char ch : c.message) check(ch >= 0x20 && ch <= 0x7e);
  if (c.kind == Callback::Kind::code) {
    check(!c.code.empty());
    check(target.find("state=st4te") != std::string_view::npos);
  }
  if (c.kind == Callback::Kind::stranger) check(c.code.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  one(in, false);
  one(in, true);
  return 0;
}
