#pragma once
// What a reply on a subscribed connection means (RESP2): ["subscribe", channel, count],
// ["message", channel, payload], ["pong", ""] for a heartbeat, or an error. Anything else (an
// unexpected shape from a confused or hostile server) is `other` and ignored.
#include <string>

#include "redis/reply.hpp"

namespace mcpgate::redis {

struct PubSubEvent {
  enum class Kind { subscribed, message, pong, error, other };
  Kind kind = Kind::other;
  std::string channel;
  std::string payload;  // a message's payload; an error's text
};

[[nodiscard]] PubSubEvent parse_pubsub_event(const Reply& r);

}  // namespace mcpgate::redis
