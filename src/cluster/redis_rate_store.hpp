#pragma once
// The principals' rate buckets in Redis (gateway/shared_rate.hpp), as GCRA (the generic cell rate
// algorithm: one stored number per bucket, the theoretical arrival time) in one Lua script, so one
// round trip per check and no race between replicas. Redis's own clock (TIME) is the only clock,
// so replicas whose clocks disagree still share one bucket fairly.
#include <memory>
#include <string>

#include "cluster/outage_log.hpp"
#include "gateway/shared_rate.hpp"
#include "redis/client.hpp"

namespace mcpgate::cluster {

class RedisRateStore final : public gateway::SharedRateStore {
 public:
  // `scope` keeps the buckets of different endpoints apart (an endpoint's limits are its own).
  // Keys are `<prefix>rate:<scope>:<sha256 of the bucket key>`.
  RedisRateStore(std::shared_ptr<redis::Client> client, std::string key_prefix, std::string_view scope);
  std::optional<duration> take(std::string_view key, double rate, double burst) override;

 private:
  std::shared_ptr<redis::Client> client_;
  std::string prefix_;
  OutageLog outage_{"shared rate limits (each replica counts its own meanwhile)"};
};

}  // namespace mcpgate::cluster
