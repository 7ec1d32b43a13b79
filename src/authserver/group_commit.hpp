#pragma once
// Group commit: one writer thread runs the writes of many concurrent requests in one transaction
// and makes them durable with one commit (one fsync), then wakes every request of the batch. A
// caller of run() returns only after the commit that holds its write has succeeded, so nothing
// is reported done before it is on disk; the cost of the fsync is shared by the whole batch
// instead of paid by each write.
//
// Each write runs inside a savepoint of the batch: a write that decides to undo itself (a failed
// check) rolls back its own changes and leaves the others'. When the commit fails, or the
// database abandons the transaction on its own (I/O error, disk full), every write of the batch
// gets the error — none of them is durable.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "core/result.hpp"

namespace mcpgate::authserver {

// The transaction the writer drives: SQLite in production, a fake in tests.
class Transactor {
 public:
  virtual ~Transactor() = default;
  [[nodiscard]] virtual Result<void> begin() = 0;   // BEGIN IMMEDIATE
  [[nodiscard]] virtual Result<void> commit() = 0;  // COMMIT: durable when it returns success
  virtual void rollback() = 0;
  [[nodiscard]] virtual Result<void> savepoint() = 0;
  virtual void release(bool keep) = 0;  // RELEASE, after ROLLBACK TO when !keep
  // False when the database rolled the whole transaction back by itself.
  [[nodiscard]] virtual bool in_transaction() = 0;
};

class GroupCommit {
 public:
  // Runs on the writer thread inside the batch's transaction. Returns whether its changes stay
  // (false rolls back to its savepoint). Results go to the caller through its captures.
  using Write = std::function<bool()>;

  explicit GroupCommit(Transactor& tx, std::size_t max_batch = 512);
  ~GroupCommit();  // commits what is queued, then stops
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Blocks until the batch holding `write` is committed (success) or has failed (the error).
  [[nodiscard]] Result<void> run(Write write);

  std::uint64_t batches() const;
  std::uint64_t writes() const;

 private:
  struct Waiter {
    Write write;
    Result<void> result;
    // Each waiter is woken alone: one condition variable for all would wake the waiters of the
    // next batch with every commit, for nothing.
    std::promise<void> done;
  };
  void loop();
  void run_batch(std::deque<Waiter*>& batch);

  Transactor& tx_;
  std::size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::deque<Waiter*> queue_;
  bool stopping_ = false;
  std::uint64_t batches_ = 0, writes_ = 0;
  std::thread writer_;
};

}  // namespace mcpgate::authserver
