// Group commit: every write is reported done only after the commit that holds it, writes share
// commits under concurrency, and a failed commit fails every write of its batch.
#include "authserver/group_commit.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace mcpgate::authserver {
namespace {

// Records what a real database would: writes of the open transaction, and what was committed.
class FakeTransactor final : public Transactor {
 public:
  std::mutex mu;
  std::vector<int> open, savepoint_mark;
  std::set<int> committed;
  int commits = 0;
  bool fail_commit = false;
  bool abort_on_write = false;  // the database drops the transaction during the next write
  bool active = false;

  Result<void> begin() override {
    std::lock_guard l(mu);
    active = true;
    open.clear();
    return {};
  }
  Result<void> commit() override {
    std::lock_guard l(mu);
    if (fail_commit) return fail("disk I/O error");
    committed.insert(open.begin(), open.end());
    ++commits;
    active = false;
    return {};
  }
  void rollback() override {
    std::lock_guard l(mu);
    open.clear();
    active = false;
  }
  Result<void> savepoint() override {
    std::lock_guard l(mu);
    savepoint_mark.push_back(int(open.size()));
    return {};
  }
  void release(bool keep) override {
    std::lock_guard l(mu);
    if (!keep) open.resize(std::size_t(savepoint_mark.back()));
    savepoint_mark.pop_back();
  }
  bool in_transaction() override {
    std::lock_guard l(mu);
    return active;
  }
  void write(int id) {
    std::lock_guard l(mu);
    open.push_back(id);
    if (abort_on_write) {
      open.clear();
      active = false;
    }
  }
  bool is_committed(int id) {
    std::lock_guard l(mu);
    return committed.contains(id);
  }
};

TEST(GroupCommit, ManyConcurrentWritersAllCompleteEachAfterItsCommit) {
  FakeTransactor tx;
  GroupCommit gc(tx);
  constexpr int kThreads = 32, kEach = 50;
  std::atomic<int> ok{0}, seen_uncommitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        int id = t * kEach + i;
        auto r = gc.run([&] {
          tx.write(id);
          return true;
        });
        if (r) ++ok;
        // The durability promise: when run() returns success, the commit holding it is done.
        if (!tx.is_committed(id)) ++seen_uncommitted;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, kThreads * kEach);
  EXPECT_EQ(seen_uncommitted, 0);
  EXPECT_EQ(tx.committed.size(), std::size_t(kThreads * kEach));
  EXPECT_EQ(gc.writes(), std::uint64_t(kThreads * kEach));
  // Concurrent writers shared commits (the point of the exercise); the exact count depends on
  // scheduling, so only "fewer than one per write" is asserted.
  EXPECT_LT(gc.batches(), gc.writes());
  EXPECT_EQ(std::uint64_t(tx.commits), gc.batches());
}

TEST(GroupCommit, AWriteThatUndoesItselfLeavesTheOthersOfItsBatch) {
  FakeTransactor tx;
  GroupCommit gc(tx);
  std::vector<std::thread> threads;
  for (int id = 0; id < 40; ++id)
    threads.emplace_back([&, id] {
      auto r = gc.run([&] {
        tx.write(id);
        return id % 2 == 0;  // odd writes fail their own check and roll back to their savepoint
      });
      EXPECT_TRUE(r);  // the batch committed; the write's own outcome travels in its captures
    });
  for (auto& th : threads) th.join();
  for (int id = 0; id < 40; ++id) EXPECT_EQ(tx.is_committed(id), id % 2 == 0) << id;
}

TEST(GroupCommit, AFailedCommitFailsEveryWaiterOfTheBatch) {
  FakeTransactor tx;
  tx.fail_commit = true;
  GroupCommit gc(tx);
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int id = 0; id < 32; ++id)
    threads.emplace_back([&, id] {
      auto r = gc.run([&] {
        tx.write(id);
        return true;
      });
      if (!r && r.error().message == "disk I/O error") ++failed;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed, 32);
  EXPECT_TRUE(tx.committed.empty());
  // The writer goes on after a failure.
  tx.fail_commit = false;
  EXPECT_TRUE(gc.run([&] {
    tx.write(1000);
    return true;
  }));
  EXPECT_TRUE(tx.is_committed(1000));
}

TEST(GroupCommit, ATransactionTheDatabaseAbortedFailsItsWrites) {
  FakeTransactor tx;
  tx.abort_on_write = true;
  GroupCommit gc(tx);
  auto r = gc.run([&] {
    tx.write(7);
    return true;
  });
  EXPECT_FALSE(r);
  EXPECT_FALSE(tx.is_committed(7));
}

}  // namespace
}  // namespace mcpgate::authserver
