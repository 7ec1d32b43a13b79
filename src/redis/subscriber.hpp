#pragma once
// A Redis pub/sub subscription on its own thread: it connects, SUBSCRIBEs to its channels, hands
// each message to a callback, and when the connection is lost (Redis restarted, network cut, no
// answer to its heartbeat) connects again with backoff. It tells its owner when it is subscribed
// again (messages published meanwhile were missed: the owner catches up from its own store) and
// when the link changes state, once per change.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "redis/backoff.hpp"
#include "redis/connection.hpp"

namespace mcpgate::redis {

struct SubscriberCallbacks {
  // Every channel is subscribed (again): whatever was published while not subscribed is lost.
  std::function<void()> on_subscribed;
  std::function<void(std::string_view channel, std::string_view payload)> on_message;
  // The link went down (with why) or came back up; called once per change, on the thread.
  std::function<void(bool up, const std::string& why)> on_state;
};

class Subscriber {
 public:
  using Clock = std::chrono::steady_clock;
  Subscriber(ConnectOptions options, std::vector<std::string> channels, SubscriberCallbacks callbacks,
             BackoffOptions backoff = {});
  ~Subscriber();  // stop()
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  void start();
  // Wakes the thread at once (it may be waiting on the socket or on backoff) and joins it.
  void stop();

  // Subscribed, and the server answered within the heartbeat's deadline.
  bool subscribed() const { return subscribed_.load(); }
  // The last moment the subscription was known to be alive (a message, a heartbeat answer, the
  // subscription itself); the epoch when it never was.
  Clock::time_point last_alive() const { return Clock::time_point(Clock::duration(last_alive_.load())); }

  // How often an idle subscription is checked with PING, and how long it may stay silent before it
  // counts as lost (a Redis that vanished without closing the socket).
  static constexpr std::chrono::milliseconds kHeartbeat{500};
  static constexpr std::chrono::milliseconds kSilenceLimit{2000};

 private:
  void run();
  // One connection's life: subscribe, then read until it fails or stop() is called.
  void serve(Connection& c);
  // Waits for `fd` to be readable (or -1: only for stop) for at most `timeout`; false when
  // stopped.
  enum class Wait { readable, timeout, stopped };
  Wait wait(int fd, std::chrono::milliseconds timeout);
  void set_state(bool up, const std::string& why);
  void alive() { last_alive_.store(Clock::now().time_since_epoch().count()); }

  ConnectOptions options_;
  std::vector<std::string> channels_;
  SubscriberCallbacks callbacks_;
  Backoff backoff_;
  std::thread thread_;
  int wake_[2] = {-1, -1};  // a pipe: stop() writes, the thread's poll() wakes
  std::atomic<bool> stopping_{false};
  std::atomic<bool> subscribed_{false};
  std::atomic<Clock::rep> last_alive_{0};
  int state_ = -1;  // on the thread: -1 unknown, 0 down, 1 up (logged once per change)
};

}  // namespace mcpgate::redis
