// What a drain asks of an endpoint: end the long-lived streams at once, and at the grace deadline
// answer the calls still waiting for their upstream.
#include "gateway/endpoint.hpp"

namespace mcpgate::gateway {

void McpEndpoint::end_streams() {
  for (auto& s : sessions_.snapshot()) {
    std::lock_guard lock(s->mutex);
    // The standalone GET stream and resumed streams: closing their inbox ends the stream with a
    // `retry:` hint (the server is draining), and the client reconnects to another replica.
    if (s->listener) s->listener->close("the gateway is shutting down");
    for (auto& [id, stream] : s->streams) {
      std::lock_guard l2(stream->mutex);
      if (stream->follower) stream->follower->close("the gateway is shutting down");
    }
  }
}

std::size_t McpEndpoint::cut_in_flight() {
  // Not a silent drop: the client learns the gateway gave up waiting, and that the call may have
  // taken effect upstream (it was sent), so that it does not blindly retry a write.
  return in_flight_.cut();
}

}  // namespace mcpgate::gateway
