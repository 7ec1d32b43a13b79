#pragma once
// Admission in front of one upstream: at most `max_in_flight` requests at the upstream, up to
// `max_pending` more waiting in FIFO order for a slot, each for at most `queue_timeout` (Envoy's
// circuit breakers keep the same two numbers apart: max_requests and max_pending_requests).
// A burst larger than the upstream's concurrency waits a moment instead of failing; only what
// cannot be queued, or waited too long, is shed, and shedding is overload (503), never an
// upstream failure (502).
//
// Thread-safe: callers on any of the gateway's io_context threads. A waiter sleeps on a timer of
// its own executor (one io_context thread, as the serving threads are); a release hands the slot over under the lock
// and posts the wake-up to the waiter's executor (an Asio timer must only be touched from its own thread).
#include <array>
#include <atomic>
#include <boost/asio/cancellation_signal.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "core/result.hpp"
#include "net/asio.hpp"

namespace mcpgate::gateway {

struct AdmissionLimits {
  std::size_t max_in_flight = 256;
  std::size_t max_pending = 10'000;
  std::chrono::milliseconds queue_timeout{5'000};
};

// `abandoned`: the caller stopped waiting (its client cancelled the call or went away); nothing
// is answered for it and it is not shedding.
enum class Shed { queue_full, queue_timeout, abandoned };
const char* shed_name(Shed s);

class Admission : public std::enable_shared_from_this<Admission> {
 public:
  // One slot at the upstream; given back when destroyed or released.
  class Permit {
   public:
    Permit() = default;
    explicit Permit(std::shared_ptr<Admission> owner) : owner_(std::move(owner)) {}
    Permit(Permit&& o) noexcept : owner_(std::move(o.owner_)) {}
    Permit& operator=(Permit&& o) noexcept {
      if (this != &o) {
        release();
        owner_ = std::move(o.owner_);
      }
      return *this;
    }
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit() { release(); }
    void release() {
      if (auto o = std::move(owner_)) o->release_slot();
    }
    explicit operator bool() const { return owner_ != nullptr; }

   private:
    std::shared_ptr<Admission> owner_;
  };

  static std::shared_ptr<Admission> create(AdmissionLimits limits) {
    return std::shared_ptr<Admission>(new Admission(limits));
  }

  // A slot now, or after waiting in line until min(now + queue_timeout, deadline). A signal
  // emitted on `stop` (from the caller's executor) ends the wait at once with Shed::abandoned,
  // and the place in line is given up.
  [[nodiscard]] net::awaitable<expected<Permit, Shed>> acquire(std::chrono::steady_clock::time_point deadline,
                                                               net::asio::cancellation_slot stop = {});
  // A slot only if one is free and nobody waits (never queues).
  std::optional<Permit> try_acquire();

  const AdmissionLimits& limits() const { return limits_; }
  std::size_t in_flight() const { return in_flight_gauge_.load(std::memory_order_relaxed); }
  std::size_t pending() const { return pending_gauge_.load(std::memory_order_relaxed); }
  std::uint64_t queued_total() const { return queued_total_.load(std::memory_order_relaxed); }
  std::uint64_t shed_total(Shed s) const { return shed_[static_cast<int>(s)].load(std::memory_order_relaxed); }

 private:
  explicit Admission(AdmissionLimits limits) : limits_(limits) {}
  struct Waiter {
    explicit Waiter(net::asio::any_io_executor ex) : timer(ex) {}
    net::asio::steady_timer timer;
    bool granted = false;  // guarded by mutex_
  };
  void release_slot();
  void publish();  // mirrors the counters into the gauges (call with mutex_ held)

  AdmissionLimits limits_;
  std::mutex mutex_;
  std::size_t in_flight_ = 0;                  // guarded by mutex_
  std::deque<std::shared_ptr<Waiter>> queue_;  // guarded by mutex_; only live waiters
  std::atomic<std::size_t> in_flight_gauge_{0};
  std::atomic<std::size_t> pending_gauge_{0};
  std::atomic<std::uint64_t> queued_total_{0};
  std::array<std::atomic<std::uint64_t>, 3> shed_{};
};

}  // namespace mcpgate::gateway
