#pragma once
// Where an upstream delivers what it sends about one request (notifications, requests for the
// client, the final reply) to the front-door coroutine waiting for it, across threads.
#include <boost/json/object.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "exchange/upstream_credentials.hpp"
#include "net/asio.hpp"

namespace mcpgate::net {
class Stream;
}

namespace mcpgate::gateway {
namespace json = boost::json;

// Why the gateway, not the upstream, answered a request: the upstream could not be reached, did
// not answer in time, answered with an HTTP status that is not a reply (5xx, 3xx, 401/403), ended
// the session the request belonged to, or sent something that is not the reply to this request.
// `credentials`: no credential could be obtained for the upstream (token endpoint unreachable, the
// exchange refused), so nothing was sent. `at_capacity`: a stdio upstream in mode per_principal
// runs as many children as it may and this principal has none (a limit, answered 503).
enum class UpstreamFailure {
  unreachable,
  timeout,
  http_status,
  unauthorized,
  session_expired,
  bad_reply,
  credentials,
  at_capacity
};

class Inbox : public std::enable_shared_from_this<Inbox> {
 public:
  // The waiting coroutine runs on `executor`, a single-threaded io_context: a wake-up posted
  // there cannot race the waiter's check of the queue.
  explicit Inbox(net::asio::any_io_executor executor, std::size_t max_queued = 4096)
      : executor_(executor), timer_(executor), max_queued_(max_queued) {}

  // Thread-safe. Returns false when the inbox is closed or full (the message is dropped).
  // `text`, when not empty, is the message exactly as the upstream wrote it, the one text that
  // `message` was parsed from (its id aside, which is JSON-equal to the one in `message`): the
  // front door may relay those bytes instead of serializing `message` again, as long as nothing
  // in the message changes on the way (see take_text()).
  // `skeleton`: `message` is the skeleton of `text` (parse_json_skeleton with `skeleton_list`).
  bool push(json::object message, std::string text = {}, bool skeleton = false) {
    bool waiting;
    {
      std::lock_guard lock(mutex_);
      if (closed_ || queue_.size() >= max_queued_) return false;
      bool is_skeleton = skeleton && !text.empty();  // a skeleton without its text could not be relayed
      queue_.push_back({std::move(message), std::move(text), is_skeleton});
      waiting = waiting_;
    }
    // No waiter yet (the common case of a reply pushed before anyone waits): nothing to wake.
    if (waiting) wake();
    return true;
  }

  // Thread-safe. The gateway's own error reply for the request (the upstream failed rather than
  // answered). It is remembered out of band, so that an upstream cannot make its own JSON-RPC
  // error pass for one of these, nor the other way round.
  bool push_failure(json::object error, UpstreamFailure why) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;  // a closed inbox takes nothing, its failure reason included
      failure_ = why;
    }
    return push(std::move(error));
  }
  // Thread-safe. The gateway's error as the last word: queued like push_failure() (past the
  // limit too), then the inbox is closed, so that whatever the upstream side pushes after it
  // (its own failure once abandoned) neither replaces the error nor its reason.
  bool fail_and_close(json::object error, UpstreamFailure why, std::string reason) {
    bool waiting;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      failure_ = why;
      queue_.push_back({std::move(error), {}});
      closed_ = true;
      reason_ = std::move(reason);
      waiting = waiting_;
    }
    if (waiting) wake();
    return true;
  }
  std::optional<UpstreamFailure> failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
  }

  // HTTP headers of the client's request that travel on with it to an HTTP upstream (the
  // `Mcp-Param-*` headers). Set before the request is begun, read-only after.
  std::vector<std::pair<std::string, std::string>> forward_headers;
  std::string request_id;  // sent to an HTTP upstream as X-Request-Id
  // The client the request is made for, when the upstream's credentials are exchanged from its
  // token (credentials mode token_exchange); null for the gateway's own requests.
  std::shared_ptr<const exchange::SubjectToken> subject;
  // Set by a caller that judges a large list reply by one member per item and relays the
  // upstream's text (the list filter): the reply may then be delivered as the skeleton of its text
  // (core/json.hpp), its items not built. Set before the request is begun, read-only after.
  std::optional<JsonSkeletonPath> skeleton_list;
  // Set by an upstream whose begin() waits for the answer's head on a connection of its own (an
  // HTTP upstream), for as long as it waits, so that UpstreamSession::give_up() can end the wait
  // by closing that connection. On the owner's executor only.
  struct AwaitingHead {
    net::Stream* stream = nullptr;  // while HttpClient::send has it
    bool abandoned = false;
  };
  AwaitingHead* awaiting_head = nullptr;
  // Set by the caller while the request waits in line for a slot at its upstream (Admission), so
  // that a cancellation or a departed client ends that wait too. On the owner's executor only.
  net::asio::cancellation_signal* admission_wait = nullptr;
  void stop_admission_wait() {
    if (admission_wait) admission_wait->emit(net::asio::cancellation_type::terminal);
  }

  // Thread-safe. The waiter sees the queued messages, then `reason` as an error.
  void close(std::string reason) {
    bool waiting;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
      closed_ = true;
      reason_ = std::move(reason);
      waiting = waiting_;
    }
    if (waiting) wake();
  }

  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  // Thread-safe. The client cancelled the request (notifications/cancelled): the waiter stops
  // waiting, as for close(), and finds cancelled() true.
  void cancel() {
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
    }
    close("cancelled by the client");
  }
  bool cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
  }
  const net::asio::any_io_executor& executor() const { return executor_; }

  // On the owner's executor only: the pop() under way (or the next one) returns an error once,
  // whatever is queued staying queued. The waiter is told that something else happened (the
  // client of its stream went away) and looks at what.
  void interrupt() {
    {
      std::lock_guard lock(mutex_);
      interrupted_ = true;
    }
    timer_.cancel();
  }

  // The upstream's own text of the message pop() returned last, or empty (a message the gateway
  // built, or one it had to rewrite). Only the waiting coroutine calls it.
  std::string take_text() {
    std::string t = std::move(last_text_);
    last_text_.clear();
    return t;
  }
  // Whether the message pop() returned last is the skeleton of its text (see skeleton_list).
  bool took_skeleton() const { return last_skeleton_; }

  // Waits on the owner's executor for the next message until `deadline`.
  [[nodiscard]] net::awaitable<Result<json::object>> pop(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        waiting_ = false;
        if (!queue_.empty()) {
          auto m = std::move(queue_.front().message);
          last_text_ = std::move(queue_.front().text);
          last_skeleton_ = queue_.front().skeleton;
          queue_.pop_front();
          co_return m;
        }
        if (closed_) co_return fail(reason_);
        if (interrupted_) {
          interrupted_ = false;
          co_return fail("interrupted");
        }
        if (std::chrono::steady_clock::now() >= deadline) co_return fail("deadline exceeded");
        // From here a pusher posts a wake-up; it runs on this (single-threaded) executor only
        // after this coroutine is suspended in async_wait below, so it cannot be lost.
        waiting_ = true;
      }
      timer_.expires_at(deadline);
      co_await timer_.async_wait(net::as_tuple_awaitable);
    }
  }

 private:
  void wake() {
    net::asio::post(executor_, [self = shared_from_this()] { self->timer_.cancel(); });
  }

  net::asio::any_io_executor executor_;
  net::asio::steady_timer timer_;
  std::size_t max_queued_;
  mutable std::mutex mutex_;
  struct Queued {
    json::object message;
    std::string text;
    bool skeleton = false;
  };
  std::deque<Queued> queue_;
  std::string last_text_;
  bool last_skeleton_ = false;
  bool closed_ = false;
  bool waiting_ = false;
  bool interrupted_ = false;
  bool cancelled_ = false;
  std::string reason_;
  std::optional<UpstreamFailure> failure_;
};

}  // namespace mcpgate::gateway
