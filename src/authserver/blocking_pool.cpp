#include "authserver/blocking_pool.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace mcpgate::authserver {

BlockingPool::BlockingPool(BlockingPoolOptions options) : options_(options), work_(net::asio::make_work_guard(ctx_)) {
  options_.threads = std::max<std::size_t>(1, options_.threads);
  options_.max_pending = std::max(options_.max_pending, options_.threads);
  threads_.reserve(options_.threads);
  for (std::size_t i = 0; i < options_.threads; ++i)
    threads_.emplace_back([this] {
      // Linux applies a nice value to one thread when given its thread id. Failure (a sandbox
      // without the permission) only loses the priority hint.
      if (options_.nice != 0) {
        auto tid = static_cast<id_t>(::syscall(SYS_gettid));
        int current = ::getpriority(PRIO_PROCESS, tid);
        (void)::setpriority(PRIO_PROCESS, tid, std::min(19, current + options_.nice));
      }
      ctx_.run();
    });
}

BlockingPool::~BlockingPool() {
  work_.reset();
  for (auto& t : threads_) t.join();
}

BlockingPool::Ticket BlockingPool::admit() {
  auto n = counters_->pending.fetch_add(1, std::memory_order_acq_rel);
  if (n >= options_.max_pending) {
    counters_->pending.fetch_sub(1, std::memory_order_acq_rel);
    counters_->rejected.fetch_add(1, std::memory_order_relaxed);
    return Ticket();
  }
  return Ticket(counters_);
}

}  // namespace mcpgate::authserver
