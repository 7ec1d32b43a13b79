// Admission in front of an upstream: a bounded FIFO queue behind the in-flight limit, shed as
// queue_full or queue_timeout. Timeouts of zero and deadlines in the past make the expiry paths
// run at once: nothing here sleeps.
#include "gateway/admission.hpp"

#include <gtest/gtest.h>

#include <boost/asio/cancellation_signal.hpp>
#include <thread>

namespace mcpgate::gateway {
namespace {
namespace asio = net::asio;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

struct Outcome {
  std::optional<Admission::Permit> permit;
  std::optional<Shed> shed;
  bool done = false;
};

void spawn_acquire(asio::io_context& io, std::shared_ptr<Admission> a, Outcome& out,
                   steady::time_point deadline = steady::now() + 1h, std::vector<int>* order = nullptr, int tag = 0,
                   asio::cancellation_slot stop = {}) {
  asio::co_spawn(
      io,
      [a, &out, deadline, order, tag, stop]() -> net::awaitable<void> {
        auto r = co_await a->acquire(deadline, stop);
        if (r)
          out.permit = std::move(*r);
        else
          out.shed = r.error();
        out.done = true;
        if (order) order->push_back(tag);
      },
      asio::detached);
}

TEST(Admission, AdmitsUpToTheLimitAtOnce) {
  auto a = Admission::create({2, 0, 1000ms});
  auto p1 = a->try_acquire();
  auto p2 = a->try_acquire();
  ASSERT_TRUE(p1 && p2);
  EXPECT_EQ(a->in_flight(), 2u);
  EXPECT_FALSE(a->try_acquire());
  p1.reset();
  EXPECT_EQ(a->in_flight(), 1u);
}

TEST(Admission, ANoQueueUpstreamShedsAsQueueFull) {
  asio::io_context io;
  auto a = Admission::create({1, 0, 1000ms});
  auto held = a->try_acquire();
  Outcome o;
  spawn_acquire(io, a, o);
  io.run();
  ASSERT_TRUE(o.done);
  EXPECT_EQ(o.shed, Shed::queue_full);
  EXPECT_EQ(a->shed_total(Shed::queue_full), 1u);
}

TEST(Admission, WaitersAreServedInArrivalOrderAsSlotsFree) {
  asio::io_context io;
  auto a = Admission::create({1, 10, 3600'000ms});
  auto held = a->try_acquire();
  std::vector<int> order;
  Outcome first, second;
  spawn_acquire(io, a, first, steady::now() + 1h, &order, 1);
  spawn_acquire(io, a, second, steady::now() + 1h, &order, 2);
  io.poll();
  EXPECT_EQ(a->pending(), 2u);
  EXPECT_EQ(a->queued_total(), 2u);
  EXPECT_FALSE(a->try_acquire());  // a newcomer does not overtake the queue
  held.reset();
  io.poll();
  ASSERT_TRUE(first.done);
  EXPECT_FALSE(second.done);
  EXPECT_EQ(a->in_flight(), 1u);  // the slot was handed over, never free
  first.permit.reset();
  io.poll();
  ASSERT_TRUE(second.done);
  EXPECT_TRUE(second.permit);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  second.permit.reset();
  EXPECT_EQ(a->in_flight(), 0u);
  EXPECT_EQ(a->pending(), 0u);
}

TEST(Admission, AWaitLongerThanTheQueueTimeoutIsShed) {
  asio::io_context io;
  auto a = Admission::create({1, 10, 0ms});
  auto held = a->try_acquire();
  Outcome o;
  spawn_acquire(io, a, o);
  io.run();
  EXPECT_EQ(o.shed, Shed::queue_timeout);
  EXPECT_EQ(a->pending(), 0u);
  EXPECT_EQ(a->shed_total(Shed::queue_timeout), 1u);
  held.reset();
  EXPECT_EQ(a->in_flight(), 0u);  // the timed-out waiter took nothing
}

// The caller stops waiting (its client cancelled the call, or left): the waiter leaves the line at
// once, is not counted as shed, and a slot freed later goes to the next waiter, not to it.
TEST(Admission, AStoppedWaitLeavesTheLineAtOnce) {
  asio::io_context io;
  auto a = Admission::create({1, 10, 3600'000ms});
  auto held = a->try_acquire();
  asio::cancellation_signal stop;
  Outcome stopped, next;
  spawn_acquire(io, a, stopped, steady::now() + 1h, nullptr, 0, stop.slot());
  spawn_acquire(io, a, next);
  io.poll();
  EXPECT_EQ(a->pending(), 2u);
  stop.emit(asio::cancellation_type::terminal);
  io.poll();
  ASSERT_TRUE(stopped.done);
  EXPECT_EQ(stopped.shed, Shed::abandoned);
  EXPECT_FALSE(next.done);
  EXPECT_EQ(a->pending(), 1u);
  EXPECT_EQ(a->shed_total(Shed::queue_timeout), 0u);
  held.reset();
  io.poll();
  ASSERT_TRUE(next.done);
  EXPECT_TRUE(next.permit) << "the freed slot went to the waiter still in line";
  next.permit.reset();
  EXPECT_EQ(a->in_flight(), 0u);
  EXPECT_EQ(a->pending(), 0u);
}

TEST(Admission, TheRequestDeadlineBoundsTheWaitToo) {
  asio::io_context io;
  auto a = Admission::create({1, 10, 3600'000ms});
  auto held = a->try_acquire();
  Outcome o;
  spawn_acquire(io, a, o, steady::now() - 1s);
  io.run();
  EXPECT_EQ(o.shed, Shed::queue_timeout);
}

TEST(Admission, ASlotFreedOnAnotherThreadWakesTheWaiterOnItsOwn) {
  asio::io_context io;
  auto a = Admission::create({1, 10, 3600'000ms});
  auto held = a->try_acquire();
  Outcome o;
  spawn_acquire(io, a, o);
  auto guard = asio::make_work_guard(io);
  std::thread t([&] { io.run(); });
  while (a->pending() == 0) std::this_thread::yield();  // the waiter is queued on the other thread
  held.reset();                                         // released here, woken there
  while (a->in_flight() != 1 || a->pending() != 0) std::this_thread::yield();
  guard.reset();
  t.join();
  ASSERT_TRUE(o.done);
  EXPECT_TRUE(o.permit);
}

}  // namespace
}  // namespace mcpgate::gateway
