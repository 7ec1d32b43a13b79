#include "redis/pubsub_event.hpp"

namespace mcpgate::redis {

PubSubEvent parse_pubsub_event(const Reply& r) {
  PubSubEvent ev;
  if (r.type == Reply::Type::error) {
    ev.kind = PubSubEvent::Kind::error;
    ev.payload = r.str;
    return ev;
  }
  if (r.type != Reply::Type::array || r.elements.empty() || !r.elements[0].is_string()) return ev;
  const auto& kind = r.elements[0].str;
  auto& e = r.elements;
  if (kind == "message" && e.size() == 3 && e[1].is_string() && e[2].is_string()) {
    ev.kind = PubSubEvent::Kind::message;
    ev.channel = e[1].str;
    ev.payload = e[2].str;
  } else if (kind == "subscribe" && e.size() == 3 && e[1].is_string() && e[2].type == Reply::Type::integer) {
    ev.kind = PubSubEvent::Kind::subscribed;
    ev.channel = e[1].str;
  } else if (kind == "pong") {
    ev.kind = PubSubEvent::Kind::pong;
  }
  return ev;
}

}  // namespace mcpgate::redis
