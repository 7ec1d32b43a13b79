#pragma once
// Sealed MRTR requestState (2026-07-28 basic/patterns/mrtr: the state comes back from the client,
// so it is attacker input). The token carries the handler's payload, the request it belongs to and
// an expiry, and is authenticated with HMAC-SHA256 under a key that never leaves the process: a
// client cannot forge a later round, replay a state on another tool, or keep one forever.
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/secret.hpp"

namespace mcpgate::mcp::server {

class StateSealer {
 public:
  StateSealer(Secret key, const Clock& clock) : key_(std::move(key)), clock_(&clock) {}

  // `binding` names the request (method and tool/prompt/resource), so a state only opens there.
  std::string seal(const boost::json::value& payload, std::string_view binding, std::chrono::seconds ttl) const;
  // The payload, or nothing when the token is malformed, forged, bound elsewhere or expired.
  std::optional<boost::json::value> open(std::string_view token, std::string_view binding) const;

 private:
  std::string mac(std::string_view data) const;
  Secret key_;
  const Clock* clock_;
};

}  // namespace mcpgate::mcp::server
