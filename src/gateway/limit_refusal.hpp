#pragma once
// How a limit answers: 429 for a principal over its quota or rate (its own doing; Retry-After says
// when a token will be there), 503 for a gateway shedding load in front of a busy upstream (nobody's
// fault; try again shortly). Never 502: that means the upstream failed. The refusals themselves are
// built by quota_refusal and overload_refusal (gateway/refusal.hpp) and answered by its refuse().

namespace mcpgate::gateway {

// Retry-After on a shed request: the queue drains in well under a second when the upstream is
// healthy, and one second spreads the retries of many clients.
inline constexpr long long kOverloadRetryAfterSeconds = 1;

}  // namespace mcpgate::gateway
