#pragma once
// An upstream MCP server run as a child process speaking newline-delimited JSON-RPC on
// stdin/stdout (stderr goes to our log). The child is restarted with backoff when it exits; the
// MCP handshake it had is replayed so that the client never notices beyond the requests that
// were in flight, which get an error at once.
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <list>
#include <unordered_map>

#include "config/gateway_config.hpp"
#include "core/secret.hpp"
#include "gateway/upstream.hpp"

namespace mcpgate::gateway {

class Metrics;

struct StdioOptions {
  config::StdioUpstream process;
  std::string label;  // for logs: "<endpoint>/<upstream>"
  std::string tag;    // routes server→client request answers back here
  std::chrono::milliseconds backoff_max{30'000};
  std::size_t max_in_flight = 256;
  std::size_t max_line_bytes = 16 * 1024 * 1024;
  // stdio mode per_principal: `token_env`=<token> is added to the child's environment (over any
  // variable of that name), and a child started for a request other than initialize is first
  // given `handshake` (the client's initialize params) and notifications/initialized.
  std::string token_env;
  Secret token;
  std::optional<json::object> handshake;
};

class StdioUpstream final : public UpstreamSession, public std::enable_shared_from_this<StdioUpstream> {
 public:
  StdioUpstream(net::asio::any_io_executor executor, StdioOptions options, Metrics* metrics);
  ~StdioUpstream() override;

  [[nodiscard]] net::awaitable<Result<void>> begin(json::object request, std::shared_ptr<Inbox> inbox,
                                                   Deadline deadline) override;
  [[nodiscard]] net::awaitable<Result<void>> deliver(json::object message, Deadline deadline) override;
  void set_listener(std::shared_ptr<Inbox> listener) override;
  void abandon(Inbox& inbox) override;
  [[nodiscard]] net::awaitable<Result<void>> cancel(Inbox* inbox, json::object notification,
                                                    Deadline deadline) override;
  void close() override;
  const std::string& tag() const override { return options_.tag; }

  // For tests and metrics.
  int pid() const { return pid_.load(); }
  std::uint64_t restarts() const { return restarts_.load(); }
  std::size_t in_flight() const { return in_flight_.load(); }  // requests sent, not answered

 private:
  struct Pending {
    std::shared_ptr<Inbox> inbox;
    json::value client_id;
    json::value progress_token;  // the client's, restored on the way back
    std::uint64_t generation = 0;
  };

  [[nodiscard]] net::awaitable<Result<void>> do_begin(json::object request, std::shared_ptr<Inbox> inbox,
                                                      Deadline deadline);
  [[nodiscard]] net::awaitable<Result<void>> do_deliver(json::object message, Deadline deadline);
  [[nodiscard]] net::awaitable<Result<void>> do_cancel(std::shared_ptr<Inbox> inbox, json::object notification,
                                                       Deadline deadline);
  [[nodiscard]] net::awaitable<Result<void>> ensure_running(Deadline deadline);
  [[nodiscard]] net::awaitable<Result<void>> replay_handshake(Deadline deadline);
  [[nodiscard]] Result<void> spawn();
  // Detached coroutines take their owner as a parameter: it is kept alive from the moment they are
  // spawned, not only from when they first run.
  net::awaitable<void> read_stdout(std::shared_ptr<StdioUpstream> self, std::uint64_t generation);
  net::awaitable<void> read_stderr(std::shared_ptr<StdioUpstream> self, std::uint64_t generation);
  void on_line(std::string_view line);
  void on_exit(std::uint64_t generation, const std::string& reason);
  void write(std::string_view line);
  void flush();
  bool on_own_thread() const;
  std::shared_ptr<Inbox> related_inbox() const;
  void reject_server_request(const json::value& id, std::string_view why);

  net::asio::any_io_executor executor_;
  StdioOptions options_;
  Metrics* metrics_;

  // Everything below is touched only on executor_ (a single-threaded io_context).
  enum class State { stopped, starting, running, closed } state_ = State::stopped;
  std::atomic<int> pid_{-1};
  std::uint64_t generation_ = 0;
  std::unique_ptr<net::asio::posix::stream_descriptor> stdin_, stdout_, stderr_;
  std::string queued_;  // lines for the child's stdin, not yet handed to a write
  bool flush_posted_ = false, sending_ = false;
  std::unordered_map<std::int64_t, Pending> pending_;
  std::list<std::int64_t> pending_order_;  // most recent last: where unlabelled messages go
  // The requests in flight by the inbox they were begun with (a client's own id may be another's).
  std::unordered_map<const Inbox*, std::int64_t> by_inbox_;
  std::unordered_map<std::string, std::int64_t> by_progress_token_;
  std::unordered_map<std::uint64_t, json::value> server_requests_;
  std::shared_ptr<Inbox> listener_;
  std::int64_t next_id_ = 1;
  std::uint64_t next_server_request_ = 1;
  std::optional<json::object> handshake_;  // the client's initialize params
  bool initialized_notified_ = false;
  std::atomic<std::uint64_t> restarts_{0};
  std::atomic<std::size_t> in_flight_{0};
  void count_in_flight() { in_flight_ = pending_.size(); }
  unsigned consecutive_failures_ = 0;
  std::chrono::steady_clock::time_point started_at_{}, exited_at_{};
  // Requests waiting for a start in progress; each has its own timer, cancelled when it is done.
  std::vector<std::shared_ptr<net::asio::steady_timer>> start_waiters_;
  void wake_start_waiters();
};

}  // namespace mcpgate::gateway
