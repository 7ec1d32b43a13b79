#pragma once
// How a limit answers: 429 for a principal over its quota or rate (its own doing; Retry-After says
// when a token will be there), 503 for a gateway shedding load in front of a busy upstream (nobody's
// fault; try again shortly). Never 502: that means the upstream failed.
#include <boost/json.hpp>

#include "gateway/admission.hpp"
#include "gateway/principal_limits.hpp"
#include "net/asio.hpp"

namespace mcpgate::gateway {

// Retry-After on a shed request: the queue drains in well under a second when the upstream is
// healthy, and one second spreads the retries of many clients.
inline constexpr long long kOverloadRetryAfterSeconds = 1;

net::Response too_many_requests(const Refused& refused, const boost::json::value& id);
net::Response overloaded(Shed shed, const boost::json::value& id);

}  // namespace mcpgate::gateway
