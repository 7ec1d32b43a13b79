// A token endpoint's answer (RFC 6749 §5.1 / §5.2) from a remote authorization server, read by
// exchange::parse_token_response. Each input is tried as the body of a 200, a 400 and a 503
// answer. Promises: only a 2xx gives a token; a token fits an Authorization header (visible ASCII,
// no CR/LF or space); its lifetime is bounded; every text meant for logs and for the client is
// printable ASCII and bounded; a 503 is `busy` whatever its body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exchange/token_response.hpp"

namespace {
using namespace mcpgate::exchange;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool printable_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

void one(unsigned status, std::string_view body) {
  auto r = parse_token_response(status, body);
  if (r) {
    check(status / 100 == 2);
    auto token = r->access_token.reveal();
    check(!token.empty());
    for (unsigned char c : token) check(c > 0x20 && c < 0x7f);
    check(r->expires_in.count() >= 0 && r->expires_in <= kMaxExpiresIn);
    return;
  }
  auto& e = r.error();
  check(printable_ascii(e.oauth_error) && e.oauth_error.size() <= 64);
  check(printable_ascii(e.description) && e.description.size() <= 200);
  check((e.reason == TokenError::Reason::busy) == (status == 503));
  if (status / 100 == 2) check(e.reason == TokenError::Reason::bad_answer && e.oauth_error.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (unsigned status : {200u, 400u, 503u}) one(status, in);
  return 0;
}
