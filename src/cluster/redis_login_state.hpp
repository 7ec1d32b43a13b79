#pragma once
// The sign-in state in Redis, shared by the replicas behind one load balancer: each value is the
// JSON of a session or pending request (login_state_json.hpp) under `<prefix>as:session:<id>` or
// `<prefix>as:pending:<id>`, expiring with it (Redis's TTL). A pending request is taken with
// GETDEL, atomic in Redis: of any number of replicas taking it, one gets it.
#include <memory>
#include <string>

#include "authserver/login_state_store.hpp"
#include "cluster/outage_log.hpp"
#include "redis/client.hpp"

namespace mcpgate::cluster {

class RedisLoginState final : public authserver::LoginStateStore {
 public:
  RedisLoginState(std::shared_ptr<redis::Client> client, std::string key_prefix);
  bool remote() const override { return true; }

  Result<void> put_session(const std::string& id, const authserver::Session& s, authserver::Seconds now) override;
  Result<std::optional<authserver::Session>> get_session(const std::string& id, authserver::Seconds now) override;
  Result<void> erase_session(const std::string& id) override;
  Result<void> put_pending(const std::string& id, const authserver::Pending& p, authserver::Seconds now) override;
  Result<void> replace_pending(const std::string& id, const authserver::Pending& p, authserver::Seconds now) override;
  Result<std::optional<authserver::Pending>> get_pending(const std::string& id, authserver::Seconds now) override;
  Result<std::optional<authserver::Pending>> take_pending(const std::string& id, authserver::Seconds now) override;
  // SET NX with the value's remaining lifetime: of any number of replicas, one sets it.
  Result<bool> use_once(const std::string& key, authserver::Seconds expires_at, authserver::Seconds now) override;

 private:
  // One command; a failure or an error reply is an Error (and logged once per outage).
  Result<redis::Reply> run(const std::vector<std::string_view>& args);
  std::shared_ptr<redis::Client> client_;
  std::string session_prefix_, pending_prefix_, once_prefix_;
  OutageLog outage_{"sign-in state (the sign-in pages answer 503)"};
};

}  // namespace mcpgate::cluster
