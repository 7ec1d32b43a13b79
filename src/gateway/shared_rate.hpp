#pragma once
// The principals' rate buckets shared by the replicas. Behind a load balancer each replica sees a
// share of a principal's requests; with its own buckets only, a principal would get the limit once
// per replica. A shared store holds one bucket per (principal, limit) for all of them.
//
// Only rates are shared. The concurrency and session quotas count what one process holds (requests
// it is answering, sessions and stdio children it owns) and stay per replica by nature.
#include <chrono>
#include <optional>
#include <string_view>

namespace mcpgate::gateway {

class SharedRateStore {
 public:
  using duration = std::chrono::steady_clock::duration;
  virtual ~SharedRateStore() = default;
  // Takes one token from the bucket `key` (`rate` tokens a second, up to `burst`): zero when it
  // was taken, else how long until one will be there (nothing is taken). Nothing when the store
  // cannot answer now: the caller counts in its own bucket meanwhile (a replica keeps limiting,
  // at its own share, rather than refusing everyone or letting everyone through).
  [[nodiscard]] virtual std::optional<duration> take(std::string_view key, double rate, double burst) = 0;
};

}  // namespace mcpgate::gateway
