#pragma once
// The authorization server's own threads for work that blocks: storage (SQLite, group commit),
// password hashing (Argon2) and token signing. The gateway's serving threads run the HTTP side of
// an authorization-server request and suspend while such work runs here, so that a flood of
// token, login or registration requests costs MCP traffic no more than its HTTP parsing.
//
// Bounded twice: a fixed number of threads, and a limit on the requests admitted at once (running
// or waiting for a thread). A request that finds the pool full is refused at once (the caller
// answers 503 temporarily_unavailable with Retry-After) instead of queuing without end.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "net/asio.hpp"
#include "net/run_on.hpp"

namespace mcpgate::authserver {

struct BlockingPoolOptions {
  std::size_t threads = 32;  // most of them wait on a commit, not on a core
  // Requests admitted at once (each runs one piece of pool work at a time).
  std::size_t max_pending = 256;
  // Added to the threads' nice value (Linux: per thread). On a host with few cores this keeps the
  // serving threads ahead of a token flood; 0 leaves the priority alone.
  int nice = 10;
};

class BlockingPool {
  // Shared with every ticket: a ticket may outlive the pool (a request frame destroyed with its
  // io_context after the authorization server is gone).
  struct Counters {
    std::atomic<std::size_t> pending{0};
    std::atomic<std::uint64_t> rejected{0};
  };

 public:
  explicit BlockingPool(BlockingPoolOptions options = {});
  ~BlockingPool();  // finishes the queued work, then joins
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // A place among the admitted requests, held for the whole request. Empty when the pool is full.
  class Ticket {
   public:
    Ticket() = default;
    explicit Ticket(std::shared_ptr<Counters> c) : c_(std::move(c)) {}
    Ticket(Ticket&& o) noexcept = default;
    Ticket& operator=(Ticket&& o) noexcept {
      if (this != &o) {
        leave();
        c_ = std::move(o.c_);
      }
      return *this;
    }
    ~Ticket() { leave(); }
    explicit operator bool() const { return c_ != nullptr; }

   private:
    void leave() {
      if (c_) c_->pending.fetch_sub(1, std::memory_order_acq_rel);
      c_.reset();
    }
    std::shared_ptr<Counters> c_;
  };
  [[nodiscard]] Ticket admit();

  // Runs f() on a pool thread; the awaiting coroutine resumes on its own executor (a serving
  // thread), never on the pool. f runs to completion even if the request is abandoned meanwhile,
  // because the coroutine frame (which owns f and the result) lives until it resumes.
  template <class F>
  net::awaitable<std::invoke_result_t<F&>> run(F f) {
    return net::run_on(ctx_.get_executor(), std::move(f));
  }

  // Fire and forget (periodic maintenance); dropped when the pool is full, then false (a caller
  // that marked the work as under way must clear its mark, or it never runs again).
  template <class F>
  bool post(F f) {
    auto t = admit();
    if (!t) return false;
    net::asio::post(ctx_, [f = std::move(f), t = std::move(t)]() mutable { f(); });
    return true;
  }

  std::size_t pending() const { return counters_->pending.load(std::memory_order_relaxed); }
  std::uint64_t rejected() const { return counters_->rejected.load(std::memory_order_relaxed); }
  std::size_t max_pending() const { return options_.max_pending; }
  std::size_t threads() const { return options_.threads; }

 private:
  BlockingPoolOptions options_;
  net::asio::io_context ctx_;
  net::asio::executor_work_guard<net::asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
  std::shared_ptr<Counters> counters_ = std::make_shared<Counters>();
};

}  // namespace mcpgate::authserver
