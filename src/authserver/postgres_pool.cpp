#include "authserver/postgres_pool.hpp"

namespace mcpgate::authserver {

Result<PgPool::Lease> PgPool::lease() {
  std::unique_lock lock(mu_);
  auto deadline = std::chrono::steady_clock::now() + o_.acquire_timeout;
  while (idle_.empty() && open_ >= o_.size)
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= o_.size)
      return fail("storage: postgres: no connection free within the acquire timeout (pool of " +
                  std::to_string(o_.size) + ")");
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(c));
  }
  ++open_;
  lock.unlock();
  // Connect outside the lock: connecting takes a round trip (or the whole connect timeout).
  auto c = PgConnection::open(o_.connect);
  if (!c) {
    give_back(nullptr);
    return unexpected<Error>(c.error());
  }
  return Lease(*this, std::move(*c));
}

void PgPool::give_back(std::unique_ptr<PgConnection> c) {
  {
    std::lock_guard lock(mu_);
    // A connection that broke, or that a failed call left inside a transaction, is not reused:
    // the next lease opens a clean one.
    if (c && !c->broken() && !c->in_transaction())
      idle_.push_back(std::move(c));
    else
      --open_;
  }
  cv_.notify_one();
}

Result<void> PgPool::Lease::reconnect() {
  auto c = PgConnection::open(p_->o_.connect);
  if (!c) return unexpected<Error>(c.error());
  c_ = std::move(*c);
  return {};
}

}  // namespace mcpgate::authserver
