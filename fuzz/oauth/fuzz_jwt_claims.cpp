// JWT access-token claims (RFC 7519 §4.1, RFC 9068 §2.2): a verified payload is still attacker
// text (any issuer's token reaches this after its signature checks). Parsed as the validator does,
// then checked against one issuer's policy; an accepted set must satisfy that policy.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/json.hpp"
#include "oauth/access_token.hpp"

namespace {
namespace json = boost::json;
using namespace mcpgate::oauth;
using std::chrono::seconds;
using std::chrono::system_clock;

void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // The limits TokenValidator gives the payload parser.
  auto doc = mcpgate::parse_json(in, mcpgate::JsonLimits{16, 8 * 1024});
  if (!doc || !doc->is_object()) return 0;
  const json::object& claims = doc->get_object();

  const ClaimPolicy policy{"https://as.example.com", "https://mcp.example.com/mcp", seconds(30)};
  const auto now = system_clock::time_point(seconds(1'700'000'000));
  auto p = validate_claims(claims, policy, now);
  if (p) {
    check(p->issuer == policy.issuer);
    check(claims.at("iss").as_string() == policy.issuer);
    check(now < p->expiry + policy.leeway);                      // RFC 7519 §4.1.4
    check(audience_matches(claims.at("aud"), policy.resource));  // RFC 8707 §2
    auto scopes = parse_scopes(claims);
    check(scopes && *scopes == p->scopes);
    for (auto& s : p->scopes) check(!s.empty());
  }
  for (auto& [k, v] : claims) {
    auto d = numeric_date(v);
    if (d) check(*d >= 0);
    (void)k;
  }
  return 0;
}
