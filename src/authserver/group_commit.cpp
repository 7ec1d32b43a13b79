#include "authserver/group_commit.hpp"

namespace mcpgate::authserver {

GroupCommit::GroupCommit(Transactor& tx, std::size_t max_batch)
    : tx_(tx), max_batch_(max_batch ? max_batch : 1), writer_([this] { loop(); }) {}

GroupCommit::~GroupCommit() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  writer_.join();
}

Result<void> GroupCommit::run(Write write) {
  Waiter w{std::move(write), {}, {}};
  auto done = w.done.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return fail("storage: the writer has stopped");
    queue_.push_back(&w);
  }
  work_cv_.notify_one();
  done.wait();  // the writer has set w.result before it fulfilled the promise
  return w.result;
}

std::uint64_t GroupCommit::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}
std::uint64_t GroupCommit::writes() const {
  std::lock_guard lock(mu_);
  return writes_;
}

void GroupCommit::loop() {
  std::deque<Waiter*> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      // No lingering for company: writes that arrive while a batch commits form the next batch,
      // so a lone write is committed at once and a burst shares its fsyncs.
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    run_batch(batch);
    {
      std::lock_guard lock(mu_);
      ++batches_;
      writes_ += batch.size();
    }
    // A waiter may return (and its Waiter go) as soon as its promise is kept, so the promise is
    // moved here first: set_value then runs on an object (and a shared state) this thread owns.
    for (auto* w : batch) {
      auto done = std::move(w->done);
      done.set_value();
    }
    batch.clear();
  }
}

void GroupCommit::run_batch(std::deque<Waiter*>& batch) {
  auto fail_all = [&](const Error& e) {
    for (auto* w : batch) w->result = unexpected<Error>(e);
  };
  if (auto b = tx_.begin(); !b) return fail_all(b.error());
  for (auto* w : batch) {
    if (auto s = tx_.savepoint(); !s) {
      tx_.rollback();
      return fail_all(s.error());
    }
    bool keep = false;
    try {
      keep = w->write();
    } catch (...) {  // out of memory: this write is undone, the caller sees its default (failure)
    }
    tx_.release(keep);
    if (!tx_.in_transaction()) {
      // The database gave up the transaction (I/O error, disk full): whatever the earlier writes
      // did is gone with it.
      return fail_all(Error{"storage: the transaction was aborted"});
    }
  }
  if (auto c = tx_.commit(); !c) {
    tx_.rollback();
    return fail_all(c.error());
  }
}

}  // namespace mcpgate::authserver
