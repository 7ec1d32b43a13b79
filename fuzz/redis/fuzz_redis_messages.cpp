// What a Redis server (or anyone who can publish on it) sends a replica: RESP2 replies through
// hiredis's reader, pub/sub events, and the revocation message. No crash, leak or hang on any
// input; a revocation message that is accepted encodes back to one that decodes the same.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "redis/pubsub_event.hpp"
#include "redis/reply.hpp"
#include "redis/revocation_message.hpp"

using namespace mcpgate::redis;

static void check_revocations(std::string_view payload) {
  auto d = decode_revocations(payload);
  if (!d) return;
  for (auto& m : encode_revocations(*d)) {
    auto again = decode_revocations(m);
    if (!again) std::abort();
  }
  auto all = encode_revocations(*d);
  if (all.size() > 1) std::abort();  // a decoded message is within one message's bound
  if (!all.empty()) {
    auto back = decode_revocations(all[0]);
    if (!back || back->size() != d->size()) std::abort();
    for (std::size_t i = 0; i < d->size(); ++i)
      if ((*back)[i].jti != (*d)[i].jti || (*back)[i].expires_at != (*d)[i].expires_at) std::abort();
  }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto replies = parse_replies(in)) {
    for (auto& r : *replies) {
      auto ev = parse_pubsub_event(r);
      if (ev.kind == PubSubEvent::Kind::message) check_revocations(ev.payload);
    }
  }
  check_revocations(in);
  return 0;
}
