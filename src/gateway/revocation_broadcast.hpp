#pragma once
// Revocations shared by the replicas through Redis, so that an access token revoked through one
// replica is refused by all of them within a second (docs/deployment.md, "Redis").
//
// The embedded authorization server announces every access token it revokes (on its blocking
// pool): we PUBLISH {jti, exp} on `<key_prefix>revoked`. Every replica's Subscriber hands what
// arrives to its server's revoked set at once, and after each (re)subscription asks the server to
// read the set back from the store, for what was published while it was not listening. The
// server's periodic reload from the store (revocation_reload_seconds) goes on regardless: it is
// the fallback while Redis is down.
//
// Fail closed: past revocation_max_staleness with neither a live subscription nor a successful
// reload from the store, this replica cannot know which of its server's tokens were revoked, and
// `current()` says so; the authorizer then refuses them (503 revocations_unknown, Retry-After).
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "authserver/authorization_server.hpp"
#include "config/gateway_config.hpp"
#include "core/clock.hpp"
#include "redis/client.hpp"
#include "redis/subscriber.hpp"

namespace mcpgate::gateway {

class RevocationBroadcast : public std::enable_shared_from_this<RevocationBroadcast> {
 public:
  // Installs itself as `as`'s revocation listener (which keeps it alive as long as `as`).
  static std::shared_ptr<RevocationBroadcast> attach(const config::Redis& cfg, std::shared_ptr<redis::Client> client,
                                                     authserver::AuthorizationServer& as, const Clock& clock);
  RevocationBroadcast(const config::Redis& cfg, std::shared_ptr<redis::Client> client,
                      authserver::AuthorizationServer& as, const Clock& clock);

  void start();  // the subscriber's thread
  void stop();   // joins it; before the authorization server goes

  // Whether this replica's revoked set is recent enough to trust (see above). Cheap: two atomic
  // loads and a clock read, on every request that carries one of the embedded server's tokens.
  [[nodiscard]] bool current() const;

  const std::string& channel() const { return channel_; }

 private:
  void publish(const std::vector<authserver::AuthorizationServer::Revocation>& revoked);
  void received(std::string_view payload);

  config::Redis cfg_;
  std::shared_ptr<redis::Client> client_;
  authserver::AuthorizationServer& as_;
  const Clock& clock_;
  std::string channel_;
  std::unique_ptr<redis::Subscriber> subscriber_;
  // Logged once per change, not once per revocation or request.
  std::atomic<bool> publish_failing_{false};
  std::atomic<bool> bad_message_seen_{false};
  mutable std::atomic<bool> stale_{false};
};

}  // namespace mcpgate::gateway
