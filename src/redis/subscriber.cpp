#include "redis/subscriber.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "redis/pubsub_event.hpp"

namespace mcpgate::redis {

Subscriber::Subscriber(ConnectOptions options, std::vector<std::string> channels, SubscriberCallbacks callbacks,
                       BackoffOptions backoff)
    : options_(std::move(options)),
      channels_(std::move(channels)),
      callbacks_(std::move(callbacks)),
      backoff_(backoff) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) wake_[0] = wake_[1] = -1;
}

Subscriber::~Subscriber() {
  stop();
  for (int fd : wake_)
    if (fd >= 0) ::close(fd);
}

void Subscriber::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void Subscriber::stop() {
  stopping_.store(true);
  if (wake_[1] >= 0) {
    char b = 1;
    (void)!::write(wake_[1], &b, 1);
  }
  if (thread_.joinable()) thread_.join();
}

Subscriber::Wait Subscriber::wait(int fd, std::chrono::milliseconds timeout) {
  if (stopping_.load()) return Wait::stopped;
  pollfd p[2] = {{wake_[0], POLLIN, 0}, {fd, POLLIN, 0}};
  int n = ::poll(p, fd >= 0 ? 2 : 1, int(timeout.count()));
  if (stopping_.load() || (n > 0 && (p[0].revents & POLLIN))) return Wait::stopped;
  if (n > 0 && p[1].revents) return Wait::readable;  // data, or a closed socket (read says which)
  return Wait::timeout;
}

void Subscriber::set_state(bool up, const std::string& why) {
  subscribed_.store(up);
  if (state_ == int(up)) return;
  state_ = int(up);
  if (callbacks_.on_state) callbacks_.on_state(up, why);
}

void Subscriber::run() {
  while (!stopping_.load()) {
    auto now = Clock::now();
    if (!backoff_.due(now)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(backoff_.next() - now);
      if (wait(-1, left) == Wait::stopped) break;
      continue;
    }
    auto c = Connection::open(options_);
    if (!c) {
      set_state(false, c.error().message);
      backoff_.failed(Clock::now());
      continue;
    }
    serve(**c);
    if (!stopping_.load()) backoff_.failed(Clock::now());
  }
  subscribed_.store(false);
}

void Subscriber::serve(Connection& c) {
  std::vector<std::string_view> args{"SUBSCRIBE"};
  for (auto& ch : channels_) args.push_back(ch);
  if (auto s = c.send(args); !s) return set_state(false, s.error().message);
  std::size_t confirmed = 0;
  auto last_heard = Clock::now();
  bool ping_sent = false;
  while (!stopping_.load()) {
    auto r = c.buffered_reply();
    if (!r) return set_state(false, r.error().message);
    if (*r) {
      last_heard = Clock::now();
      ping_sent = false;
      auto ev = parse_pubsub_event(**r);
      if (ev.kind == PubSubEvent::Kind::subscribed && ++confirmed == channels_.size()) {
        backoff_.succeeded();
        alive();
        set_state(true, "subscribed");
        if (callbacks_.on_subscribed) callbacks_.on_subscribed();
      } else if (ev.kind == PubSubEvent::Kind::message) {
        alive();
        if (callbacks_.on_message) callbacks_.on_message(ev.channel, ev.payload);
      } else if (ev.kind == PubSubEvent::Kind::pong) {
        if (confirmed >= channels_.size()) alive();
      } else if (ev.kind == PubSubEvent::Kind::error) {
        return set_state(false, "redis " + options_.endpoint.name() + ": " + ev.payload);
      }
      continue;
    }
    auto since = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - last_heard);
    if (since >= kSilenceLimit) return set_state(false, "redis " + options_.endpoint.name() + ": no answer to PING");
    auto w = wait(c.fd(), kHeartbeat);
    if (w == Wait::stopped) return;
    if (w == Wait::readable) {
      if (auto rd = c.read_available(); !rd) return set_state(false, rd.error().message);
    } else if (!ping_sent) {
      // Quiet for a heartbeat: ask, so that a server gone without closing the socket is noticed.
      if (auto s = c.send({"PING"}); !s) return set_state(false, s.error().message);
      ping_sent = true;
    }
  }
}

}  // namespace mcpgate::redis
