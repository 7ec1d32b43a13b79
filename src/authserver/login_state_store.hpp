#pragma once
// Where the sign-in state lives between the pages of one authorization (authorize → login →
// consent). A load balancer may send each of those requests to a different replica, so with
// several replicas the state is shared (redis_login_state.hpp); alone, it stays in this process
// (MemoryLoginStateStore). An entry lives until its expires_at and is never returned after it.
//
// Every call may fail (the shared store is unreachable): the pages then answer 503 and nobody is
// half signed in. The in-process store never fails.
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "authserver/login_state.hpp"
#include "core/result.hpp"

namespace mcpgate::authserver {

class LoginStateStore {
 public:
  virtual ~LoginStateStore() = default;
  // Whether the calls wait on the network: the server then makes them on its blocking pool,
  // never on a serving thread.
  [[nodiscard]] virtual bool remote() const { return false; }

  [[nodiscard]] virtual Result<void> put_session(const std::string& id, const Session& s, Seconds now) = 0;
  [[nodiscard]] virtual Result<std::optional<Session>> get_session(const std::string& id, Seconds now) = 0;
  [[nodiscard]] virtual Result<void> erase_session(const std::string& id) = 0;

  [[nodiscard]] virtual Result<void> put_pending(const std::string& id, const Pending& p, Seconds now) = 0;
  // Overwrites a pending request that is still there; one already taken (or expired) stays gone,
  // so a page that updates a request cannot bring back one that was decided meanwhile.
  [[nodiscard]] virtual Result<void> replace_pending(const std::string& id, const Pending& p, Seconds now) = 0;
  [[nodiscard]] virtual Result<std::optional<Pending>> get_pending(const std::string& id, Seconds now) = 0;
  // Removes the request and returns it, atomically: of any number of callers taking one id (a
  // replayed consent form, a double click, two replicas), exactly one gets it.
  [[nodiscard]] virtual Result<std::optional<Pending>> take_pending(const std::string& id, Seconds now) = 0;

  // Single use of a one-time value (a client assertion's or a JWT grant's `jti`) across every
  // process sharing this store: true the first time `key` is seen, false while it is remembered,
  // until `expires_at` (the value's own expiry: after it the value is refused anyway).
  [[nodiscard]] virtual Result<bool> use_once(const std::string& key, Seconds expires_at, Seconds now) = 0;

  // Forgets what has expired (the shared store expires entries by itself).
  virtual void expire(Seconds /*now*/) {}
};

// In this process: one replica, or a deployment whose load balancer keeps a browser on one.
class MemoryLoginStateStore final : public LoginStateStore {
 public:
  // Bounded: unauthenticated requests create entries. Past the bound, expired entries go first,
  // then the first in key order (random ids: an arbitrary one).
  explicit MemoryLoginStateStore(std::size_t max_entries = 100'000) : max_(max_entries) {}

  Result<void> put_session(const std::string& id, const Session& s, Seconds now) override;
  Result<std::optional<Session>> get_session(const std::string& id, Seconds now) override;
  Result<void> erase_session(const std::string& id) override;
  Result<void> put_pending(const std::string& id, const Pending& p, Seconds now) override;
  Result<void> replace_pending(const std::string& id, const Pending& p, Seconds now) override;
  Result<std::optional<Pending>> get_pending(const std::string& id, Seconds now) override;
  Result<std::optional<Pending>> take_pending(const std::string& id, Seconds now) override;
  Result<bool> use_once(const std::string& key, Seconds expires_at, Seconds now) override;
  void expire(Seconds now) override;

 private:
  template <class Map, class V>
  void bound_insert(Map& m, const std::string& k, V v, Seconds now);

  std::size_t max_;
  std::mutex mu_;
  std::map<std::string, Session> sessions_;
  std::map<std::string, Pending> pending_;
  std::map<std::string, Seconds> used_;  // use_once: key → expiry
};

}  // namespace mcpgate::authserver
