// Token introspection responses (RFC 7662 §2.2) from the configured endpoint: the strict parser
// and the policy applied to an answer (active, iss, aud, exp/nbf, scope). An accepted answer must
// have said `"active": true` and name this resource.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oauth/access_token.hpp"
#include "oauth/introspection.hpp"

namespace {
using namespace mcpgate::oauth;
using std::chrono::seconds;
using std::chrono::system_clock;

void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto resp = parse_introspection_response(in);
  if (!resp) return 0;
  check(resp->contains("active") && resp->at("active").is_bool());

  IntrospectionPolicy policy;
  policy.resource = "https://mcp.example.com/mcp";
  if (size % 2 == 0) policy.issuer = "https://as.example.com";  // both configurations, per input
  const auto now = system_clock::time_point(seconds(1'700'000'000));
  auto p = principal_from_introspection(*resp, policy, now);
  if (p) {
    check(resp->at("active").as_bool());  // only the literal true is active
    check(audience_matches(resp->at("aud"), policy.resource));
    check(p->expiry <= now + policy.default_lifetime);  // the cache never outlives the default
    check(now < p->expiry + policy.leeway);
    if (policy.issuer) check(p->issuer == *policy.issuer);
    auto scopes = parse_scopes(*resp);
    check(scopes && *scopes == p->scopes);
  }
  return 0;
}
