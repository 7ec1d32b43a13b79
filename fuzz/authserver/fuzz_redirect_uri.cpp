// Redirect URI rules of the authorization server (OAuth 2.1 §2.3.1, RFC 8252 §7.3, RFC 9700
// §4.1): the registration check, the authorization-time match and the CIMD client_id rule, on
// two attacker-chosen URIs. Input: the registered URI on the first line, the requested one after.
// The any-port exception must never let a URI through that differs in anything but the port of a
// loopback http URI (the open-redirect / code-theft attack).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "authserver/client_metadata.hpp"

namespace {
using namespace mcpgate::authserver;

void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view registered = in.substr(0, nl);
  std::string_view requested = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);

  RedirectPolicy policy{true, {"com.example.app"}};
  auto reg_ok = check_redirect_uri(registered, policy);
  auto req_ok = check_redirect_uri(requested, policy);
  check(redirect_uri_matches(registered, registered));  // exact match always holds
  if (redirect_uri_matches(registered, requested) && registered != requested) {
    check(is_loopback_redirect(registered) && is_loopback_redirect(requested));
    check(registered.starts_with("http://") && requested.starts_with("http://"));
    check(requested.find('#') == std::string_view::npos && requested.find('@') == std::string_view::npos);
    if (reg_ok && requested.size() <= 2048) check(req_ok.has_value());
  }
  if (req_ok) {
    check(requested.find('#') == std::string_view::npos);
    RedirectPolicy no_loopback{false, {}};
    if (check_redirect_uri(requested, no_loopback)) check(requested.starts_with("https:"));
  }
  for (bool allow_http : {false, true}) {
    if (!is_client_id_url(requested, allow_http)) continue;
    check(requested.starts_with("https://") || (allow_http && requested.starts_with("http://")));
    check(requested.find('#') == std::string_view::npos);
  }
  return 0;
}
