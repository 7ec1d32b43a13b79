#include "authserver/rate_limiter.hpp"

namespace mcpgate::authserver {

void RateLimiter::prune(std::deque<time_point>& q, time_point now) const {
  while (!q.empty() && q.front() + window_ <= now) q.pop_front();
}

bool RateLimiter::allowed(std::string_view key, time_point now) {
  std::lock_guard lock(mu_);
  auto it = events_.find(std::string(key));
  if (it == events_.end()) return true;
  prune(it->second, now);
  return it->second.size() < max_;
}

void RateLimiter::record(std::string_view key, time_point now) {
  std::lock_guard lock(mu_);
  if (events_.size() >= max_keys_) {
    for (auto it = events_.begin(); it != events_.end();) {
      prune(it->second, now);
      it = it->second.empty() ? events_.erase(it) : std::next(it);
    }
    if (events_.size() >= max_keys_) events_.erase(events_.begin());
  }
  auto& q = events_[std::string(key)];
  prune(q, now);
  if (q.size() < max_ * 2) q.push_back(now);
}

void RateLimiter::reset(std::string_view key) {
  std::lock_guard lock(mu_);
  events_.erase(std::string(key));
}

}  // namespace mcpgate::authserver
