#include "gateway/admission.hpp"

#include <algorithm>
#include <boost/asio/bind_cancellation_slot.hpp>

namespace mcpgate::gateway {
namespace asio = net::asio;
using steady = std::chrono::steady_clock;

const char* shed_name(Shed s) {
  switch (s) {
    case Shed::queue_full:
      return "queue_full";
    case Shed::queue_timeout:
      return "queue_timeout";
    case Shed::abandoned:
      return "abandoned";
  }
  return "unknown";
}

void Admission::publish() {
  in_flight_gauge_.store(in_flight_, std::memory_order_relaxed);
  pending_gauge_.store(queue_.size(), std::memory_order_relaxed);
}

std::optional<Admission::Permit> Admission::try_acquire() {
  std::lock_guard lock(mutex_);
  // Nobody overtakes a waiter: a free slot with a queue is already promised to its head.
  if (in_flight_ >= limits_.max_in_flight || !queue_.empty()) return std::nullopt;
  ++in_flight_;
  publish();
  return Permit(shared_from_this());
}

net::awaitable<expected<Admission::Permit, Shed>> Admission::acquire(steady::time_point deadline,
                                                                     asio::cancellation_slot stop) {
  if (auto p = try_acquire()) co_return std::move(*p);
  auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  // Armed before the waiter is visible to releasers: from then on only its cancel is posted here.
  const auto expiry = std::min(deadline, steady::now() + limits_.queue_timeout);
  waiter->timer.expires_at(expiry);
  {
    std::lock_guard lock(mutex_);
    if (in_flight_ < limits_.max_in_flight && queue_.empty()) {
      ++in_flight_;  // a slot came free since try_acquire
      publish();
      co_return Permit(shared_from_this());
    }
    // A bounded queue: beyond it, waiting would only turn into a timeout later while holding a
    // connection and memory (the flood every open proxy queue invites).
    if (queue_.size() >= limits_.max_pending) {
      shed_[static_cast<int>(Shed::queue_full)].fetch_add(1, std::memory_order_relaxed);
      co_return unexpected(Shed::queue_full);
    }
    queue_.push_back(waiter);
    queued_total_.fetch_add(1, std::memory_order_relaxed);
    publish();
  }
  // Woken by release (granted), by the timer's expiry, or by `stop` (the wait cancelled early).
  co_await waiter->timer.async_wait(asio::bind_cancellation_slot(stop, net::as_tuple_awaitable));
  std::lock_guard lock(mutex_);
  if (waiter->granted) co_return Permit(shared_from_this());  // the slot was handed over in release
  // Timed-out waiters are usually near the head (FIFO, one timeout), so the search is short.
  if (auto it = std::find(queue_.begin(), queue_.end(), waiter); it != queue_.end()) queue_.erase(it);
  publish();
  const Shed why = steady::now() < expiry ? Shed::abandoned : Shed::queue_timeout;
  shed_[static_cast<int>(why)].fetch_add(1, std::memory_order_relaxed);
  co_return unexpected(why);
}

void Admission::release_slot() {
  std::shared_ptr<Waiter> next;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) {
      --in_flight_;
    } else {
      // The slot passes to the oldest waiter without ever being free: no newcomer can take it.
      next = std::move(queue_.front());
      queue_.pop_front();
      next->granted = true;
    }
    publish();
  }
  if (next) asio::post(next->timer.get_executor(), [next] { next->timer.cancel(); });
}

}  // namespace mcpgate::gateway
