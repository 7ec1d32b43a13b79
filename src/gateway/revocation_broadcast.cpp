#include "gateway/revocation_broadcast.hpp"

#include "config/redis_config.hpp"
#include "core/log.hpp"
#include "redis/revocation_message.hpp"

namespace mcpgate::gateway {

std::shared_ptr<RevocationBroadcast> RevocationBroadcast::attach(const config::Redis& cfg,
                                                                 std::shared_ptr<redis::Client> client,
                                                                 authserver::AuthorizationServer& as,
                                                                 const Clock& clock) {
  auto b = std::make_shared<RevocationBroadcast>(cfg, std::move(client), as, clock);
  as.on_revoked([b](const std::vector<authserver::AuthorizationServer::Revocation>& r) { b->publish(r); });
  return b;
}

RevocationBroadcast::RevocationBroadcast(const config::Redis& cfg, std::shared_ptr<redis::Client> client,
                                         authserver::AuthorizationServer& as, const Clock& clock)
    : cfg_(cfg), client_(std::move(client)), as_(as), clock_(clock), channel_(cfg.key_prefix + "revoked") {
  redis::SubscriberCallbacks cb;
  cb.on_subscribed = [this] {
    // Whatever was published while we were not subscribed is lost to us: the store has it.
    as_.reload_revocations_now();
  };
  cb.on_message = [this](std::string_view, std::string_view payload) { received(payload); };
  cb.on_state = [this](bool up, const std::string& why) {
    if (up)
      log::info("redis: revocation broadcast subscribed on " + channel_);
    else
      log::warn("redis: revocation broadcast lost (" + why + "); revocations from other replicas now arrive by " +
                "the store reload every " + std::to_string(as_.options().revocation_reload_interval.count()) + " s");
  };
  subscriber_ =
      std::make_unique<redis::Subscriber>(config::connect_options(cfg_), std::vector<std::string>{channel_}, cb);
}

void RevocationBroadcast::start() {
  subscriber_->start();
}

void RevocationBroadcast::stop() {
  subscriber_->stop();
}

bool RevocationBroadcast::current() const {
  auto max = cfg_.revocation_max_staleness;
  bool fresh = redis::Subscriber::Clock::now() - subscriber_->last_alive() <= max;
  if (!fresh) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    fresh = now - as_.last_revocation_reload() <= max.count();
  }
  if (stale_.exchange(!fresh) != !fresh) {
    if (fresh)
      log::info("redis: revocations are current again; the embedded server's tokens are accepted");
    else
      log::error("redis: no revocation broadcast and no store reload for " + std::to_string(max.count()) +
                 " s; the embedded server's tokens are refused (503) until one succeeds");
  }
  return fresh;
}

// On the authorization server's blocking pool, after the revocation is stored.
void RevocationBroadcast::publish(const std::vector<authserver::AuthorizationServer::Revocation>& revoked) {
  std::vector<redis::RevokedToken> tokens;
  tokens.reserve(revoked.size());
  for (auto& r : revoked) tokens.push_back({r.jti, r.expires_at});
  bool ok = true;
  std::string why;
  for (auto& m : redis::encode_revocations(tokens)) {
    auto r = client_->command({"PUBLISH", channel_, m});
    if (!r || r->is_error()) {
      ok = false;
      why = r ? r->str : r.error().message;
      break;
    }
  }
  // Not lost: the store holds it, and the other replicas read it back within their reload period.
  if (publish_failing_.exchange(!ok) != !ok) {
    if (ok)
      log::info("redis: revocations are published again");
    else
      log::warn("redis: a revocation could not be published (" + why +
                "); other replicas learn of it from the store instead");
  }
}

// On the subscriber's thread. Anyone who can publish on this Redis reaches here: a malformed
// message is dropped whole, and a well-formed one can only add tokens to the refused set.
void RevocationBroadcast::received(std::string_view payload) {
  auto d = redis::decode_revocations(payload);
  if (!d) {
    if (!bad_message_seen_.exchange(true))
      log::warn("redis: ignoring a malformed message on " + channel_ + ": " + d.error().message);
    return;
  }
  std::vector<authserver::AuthorizationServer::Revocation> r;
  r.reserve(d->size());
  for (auto& t : *d) r.push_back({std::move(t.jti), t.expires_at});
  as_.add_revoked(r);
}

}  // namespace mcpgate::gateway
