#pragma once
// A small pool of PostgreSQL connections shared by the authorization server's blocking threads.
// A call leases one connection for its transaction and gives it back; at most `size` are open at
// once, and a call that finds them all busy waits at most `acquire_timeout` before failing (the
// request then answers an error instead of queuing without end). A connection found broken (the
// server restarted, a network cut) is closed and replaced by a fresh one on the next lease.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "authserver/postgres_connection.hpp"
#include "core/result.hpp"

namespace mcpgate::authserver {

struct PgPoolOptions {
  PgConnectOptions connect;
  std::size_t size = 8;
  std::chrono::milliseconds acquire_timeout{5000};
};

class PgPool {
 public:
  explicit PgPool(PgPoolOptions o) : o_(std::move(o)) {}
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  class Lease {
   public:
    Lease(PgPool& p, std::unique_ptr<PgConnection> c) : p_(&p), c_(std::move(c)) {}
    Lease(Lease&& o) noexcept : p_(std::exchange(o.p_, nullptr)), c_(std::move(o.c_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (p_) p_->give_back(std::move(c_));
    }
    PgConnection& operator*() { return *c_; }
    PgConnection* operator->() { return c_.get(); }
    // Replaces a broken connection with a new one (the old is closed).
    Result<void> reconnect();

   private:
    PgPool* p_;
    std::unique_ptr<PgConnection> c_;
  };

  Result<Lease> lease();
  const PgPoolOptions& options() const { return o_; }

 private:
  void give_back(std::unique_ptr<PgConnection> c);

  PgPoolOptions o_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  std::size_t open_ = 0;  // leased + idle + being opened
};

}  // namespace mcpgate::authserver
