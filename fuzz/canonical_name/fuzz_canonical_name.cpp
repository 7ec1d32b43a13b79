// Resource URIs and tool/prompt names from clients and upstreams: no crash on any input, and the
// canonical form is a fixed point that carries none of what the normalizer refuses — otherwise
// the gateway could judge one spelling and an upstream read another.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy/canonical_name.hpp"

using namespace mcpgate::policy;

static void check(bool cond) {
  if (!cond) std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto c = canonical_uri(in)) {
    check(!c->empty() && c->size() <= kMaxUriBytes);
    auto again = canonical_uri(*c);
    check(again.has_value() && *again == *c);  // idempotent
    check(c->find('\0') == std::string::npos && c->find('\\') == std::string::npos);
    auto path_end = c->find_first_of("?#");
    std::string_view head(c->data(), path_end == std::string::npos ? c->size() : path_end);
    for (auto bad : {"%2F", "%2f", "%00", "/../", "/./"}) check(head.find(bad) == std::string_view::npos);
    check(!head.ends_with("/..") && !head.ends_with("/."));
  }
  if (auto n = canonical_name(in)) {
    check(*n == in);
    auto again = canonical_name(*n);
    check(again.has_value() && *again == *n);
    for (char ch : *n) check(static_cast<unsigned char>(ch) > 0x20 && ch != 0x7F);
  }
  return 0;
}
