#pragma once
// Which stdio child serves which principal, for one upstream in stdio mode per_principal: at most
// one current child per principal, each started with a token for that principal alone, replaced
// before its token expires (the old one drains: it finishes what it has in flight, then stops),
// stopped when idle, and at most `max_children` of them. Pure bookkeeping under one lock; time is
// passed in, so that the rules are tested without processes or sleeping.
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace mcpgate::gateway {

// What the table needs of a child.
class ChildHandle {
 public:
  virtual ~ChildHandle() = default;
  virtual std::size_t in_flight() const = 0;  // requests sent and not yet answered
};

struct ChildPolicy {
  using duration = std::chrono::steady_clock::duration;
  std::size_t max_children = 64;
  duration idle_timeout = std::chrono::minutes(30);
  // How long before its token expires a child is replaced; unset: a fifth of the token's life,
  // at most 30 s (enough for a request in flight to finish on the old token).
  std::optional<duration> renew_before;
};

// When a child started at `now` with a token expiring at `expires` is due for replacement.
std::chrono::steady_clock::time_point renew_time(std::chrono::steady_clock::time_point now,
                                                 std::chrono::steady_clock::time_point expires,
                                                 const ChildPolicy& policy);

class ChildTable {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using Handle = std::shared_ptr<ChildHandle>;

  explicit ChildTable(ChildPolicy policy) : policy_(policy) {}

  // The principal's current child, unless there is none or it is due for replacement (then a
  // new one is to be started and installed). A hit counts as use (idle time starts again).
  // `subject`: which client token the request carries (its hash; empty when none). A token
  // obtained from a subject token lives no longer than it, so a replacement that brought no
  // fresher token is tried again only with another subject token (the client refreshed it), or
  // once the current token has expired. `grant`: the scopes that subject token carries (one
  // canonical text); a child whose token was obtained for another grant is due at once (a step-up
  // must reach the upstream, and a narrower token must not run on a broader child).
  struct Lookup {
    Handle child;       // null: none
    bool due = false;   // start a new one (none, or the current one's token is near expiry)
    bool room = false;  // a new principal may still get a child
  };
  Lookup lookup(const std::string& principal, time_point now, const std::string& subject = {},
                const std::string& grant = {});

  // Installs `child`, started at `now` with a token expiring at `expires`, as the principal's
  // current child. Another request may have installed one meanwhile: that one is kept and
  // returned (the caller drops its own). A token that expires no later than the current child's
  // (within a second: token expiries are whole seconds) replaces nothing, unless it was obtained
  // for another grant. Refused (null) when the
  // principal has no child and the table is full. `installed` says whether `child` was taken.
  struct Installed {
    Handle child;
    bool installed = false;
  };
  Installed install(const std::string& principal, Handle child, time_point expires, time_point now,
                    const std::string& subject = {}, const std::string& grant = {});

  // Every child of the principal, the current one first (answers to server requests, cancellations).
  std::vector<Handle> children_of(const std::string& principal) const;

  // Children to stop now: idle current ones (no use for idle_timeout, nothing in flight), current
  // ones whose token expired with nothing in flight, drained replaced ones, and replaced ones
  // whose token expired (whatever they still hold can no longer succeed upstream).
  std::vector<Handle> sweep(time_point now);
  std::vector<Handle> take_all();

  std::size_t size() const;  // running children, current and draining
  std::size_t principals() const;
  const ChildPolicy& policy() const { return policy_; }

 private:
  struct Entry {
    Handle child;
    time_point expires, renew_at, last_used;
    // The subject token of a replacement that brought no fresher token.
    std::optional<std::string> tried;
    std::string grant;  // the scopes of the subject token the child's token was obtained from
    bool due(time_point now, const std::string& subject, const std::string& for_grant) const {
      return now >= expires || for_grant != grant || (now >= renew_at && tried != subject);
    }
  };
  struct Draining {
    std::string principal;
    Handle child;
    time_point expires;
  };
  ChildPolicy policy_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> current_;
  std::vector<Draining> draining_;
};

}  // namespace mcpgate::gateway
