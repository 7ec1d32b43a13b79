#include "gateway/child_table.hpp"

#include <algorithm>

namespace mcpgate::gateway {
using steady = std::chrono::steady_clock;

steady::time_point renew_time(steady::time_point now, steady::time_point expires, const ChildPolicy& policy) {
  if (expires <= now) return now;
  auto life = expires - now;
  auto before =
      policy.renew_before ? *policy.renew_before : std::min<steady::duration>(life / 5, std::chrono::seconds(30));
  return before >= life ? now : expires - before;
}

ChildTable::Lookup ChildTable::lookup(const std::string& principal, time_point now, const std::string& subject,
                                      const std::string& grant) {
  std::lock_guard lock(mutex_);
  Lookup out;
  out.room = current_.size() + draining_.size() < policy_.max_children;
  auto it = current_.find(principal);
  if (it == current_.end()) {
    out.due = true;
    return out;
  }
  out.child = it->second.child;
  out.due = it->second.due(now, subject, grant);
  it->second.last_used = now;
  return out;
}

ChildTable::Installed ChildTable::install(const std::string& principal, Handle child, time_point expires,
                                          time_point now, const std::string& subject, const std::string& grant) {
  std::lock_guard lock(mutex_);
  auto it = current_.find(principal);
  if (it == current_.end()) {
    // The limit bounds processes: a new principal waits until one stops (idle or expired).
    if (current_.size() + draining_.size() >= policy_.max_children) return {};
    current_.emplace(principal, Entry{child, expires, renew_time(now, expires, policy_), now, {}, grant});
    return {std::move(child), true};
  }
  auto& e = it->second;
  e.last_used = now;
  // Installed by another request since our lookup: keep that one.
  if (!e.due(now, subject, grant)) return {e.child, false};
  // A token no fresher than the current one's (the subject token bounds both): keep the current
  // child; this subject token is not asked again.
  if (grant == e.grant && expires <= e.expires + std::chrono::seconds(1) && now < e.expires) {
    e.tried = subject;
    return {e.child, false};
  }
  draining_.push_back({principal, std::move(e.child), e.expires});
  e = Entry{child, expires, renew_time(now, expires, policy_), now, {}, grant};
  return {std::move(child), true};
}

std::vector<ChildTable::Handle> ChildTable::children_of(const std::string& principal) const {
  std::lock_guard lock(mutex_);
  std::vector<Handle> out;
  if (auto it = current_.find(principal); it != current_.end()) out.push_back(it->second.child);
  for (auto& d : draining_)
    if (d.principal == principal) out.push_back(d.child);
  return out;
}

std::vector<ChildTable::Handle> ChildTable::sweep(time_point now) {
  std::lock_guard lock(mutex_);
  std::vector<Handle> out;
  for (auto it = current_.begin(); it != current_.end();) {
    auto& e = it->second;
    bool idle = e.child->in_flight() == 0;
    if (idle && (now - e.last_used >= policy_.idle_timeout || now >= e.expires)) {
      out.push_back(std::move(e.child));
      it = current_.erase(it);
    } else {
      ++it;
    }
  }
  std::erase_if(draining_, [&](Draining& d) {
    if (d.child->in_flight() != 0 && now < d.expires) return false;
    out.push_back(std::move(d.child));
    return true;
  });
  return out;
}

std::vector<ChildTable::Handle> ChildTable::take_all() {
  std::lock_guard lock(mutex_);
  std::vector<Handle> out;
  for (auto& [k, e] : current_) out.push_back(std::move(e.child));
  for (auto& d : draining_) out.push_back(std::move(d.child));
  current_.clear();
  draining_.clear();
  return out;
}

std::size_t ChildTable::size() const {
  std::lock_guard lock(mutex_);
  return current_.size() + draining_.size();
}

std::size_t ChildTable::principals() const {
  std::lock_guard lock(mutex_);
  return current_.size();
}

}  // namespace mcpgate::gateway
