// A dynamic client registration answer (RFC 7591 §3.2, client::read_registration). Promises: only
// a 200/201 gives a client; it has a client id; a method that needs a secret comes with one; the
// error text is printable ASCII.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "client/registration.hpp"

namespace {
using namespace mcpgate::client;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  AuthorizationTarget target;
  for (unsigned status : {201u, 400u}) {
    auto c = read_registration(status, in, target, "http://127.0.0.1:1/callback");
    if (c) {
      check(status == 201);
      check(!c->client_id.empty());
      check(c->auth_method == "none" || !c->client_secret.empty());
    } else {
      for (unsigned char ch : c.error().message) check(ch >= 0x20 && ch <= 0x7e);
    }
  }
  return 0;
}
