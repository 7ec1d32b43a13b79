#include "gateway/stdio_upstream.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>

#include "core/json.hpp"
#include "core/json_spans.hpp"
#include "core/log.hpp"
#include "gateway/metrics.hpp"
#include "mcp/jsonrpc.hpp"

extern char** environ;

namespace mcpgate::gateway {
namespace asio = net::asio;
using steady = std::chrono::steady_clock;

namespace {

json::object error_reply(const json::value& id, int code, std::string_view message) {
  return mcp::make_error(id, code, message);
}

// stderr of children and our own lifecycle notes share one form: the upstream field names the
// child ("[label] text" in the text format). A child's stderr is text the gateway does not
// control: the log escapes and redacts it like any message.
void log_line(const std::string& label, std::string_view text, log::Level level = log::Level::info) {
  if (log::enabled(level)) log::write(level, text, {{"upstream", label}});
}

// The child's reply line with the gateway's id for it replaced by the client's, or empty when
// the id cannot be found in the text (then the parsed reply is serialized instead): what the
// client receives is the text that was parsed and judged, only its id spliced.
std::string relayable_text(std::string_view line, const json::value& client_id) {
  auto doc = line.find_first_not_of(" \t\r\n");
  auto id = doc == std::string_view::npos ? std::nullopt : json_member_span(line, {doc, line.size()}, "id");
  if (!id) return {};
  return apply_json_edits(line, {{*id, serialize_json(client_id)}});
}

}  // namespace

StdioUpstream::StdioUpstream(asio::any_io_executor executor, StdioOptions options, Metrics* metrics)
    : executor_(executor), options_(std::move(options)), metrics_(metrics) {
  if (options_.handshake) {
    // Started for a principal whose client initialized another child: the first start replays
    // that handshake as a restart would.
    handshake_ = std::move(options_.handshake);
    options_.handshake.reset();
    initialized_notified_ = true;
  }
}

StdioUpstream::~StdioUpstream() {
  int pid = pid_.load();
  if (pid > 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
}

bool StdioUpstream::on_own_thread() const {
  auto* io = executor_.target<asio::io_context::executor_type>();
  return io && io->running_in_this_thread();
}

net::awaitable<Result<void>> StdioUpstream::begin(json::object request, std::shared_ptr<Inbox> inbox,
                                                  Deadline deadline) {
  // With one serving thread (or a request that landed on this child's thread) there is no thread
  // to move to: co_spawn would only add a frame, a post and a resumption through the scheduler.
  if (on_own_thread()) co_return co_await do_begin(std::move(request), std::move(inbox), deadline);
  co_return co_await asio::co_spawn(executor_, do_begin(std::move(request), std::move(inbox), deadline),
                                    asio::use_awaitable);
}

net::awaitable<Result<void>> StdioUpstream::deliver(json::object message, Deadline deadline) {
  if (on_own_thread()) co_return co_await do_deliver(std::move(message), deadline);
  co_return co_await asio::co_spawn(executor_, do_deliver(std::move(message), deadline), asio::use_awaitable);
}

void StdioUpstream::set_listener(std::shared_ptr<Inbox> listener) {
  asio::post(executor_, [self = shared_from_this(), listener = std::move(listener)]() mutable {
    self->listener_ = std::move(listener);
  });
}

void StdioUpstream::abandon(Inbox& inbox) {
  // The inbox is held until the lambda has run: no later request can have its address meanwhile.
  asio::post(executor_, [self = shared_from_this(), inbox = inbox.shared_from_this()] {
    auto it = self->by_inbox_.find(inbox.get());
    if (it == self->by_inbox_.end()) return;  // answered meanwhile, or from before a restart
    std::int64_t uid = it->second;
    self->by_inbox_.erase(it);
    self->pending_.erase(uid);
    self->pending_order_.remove(uid);
    self->count_in_flight();
    json::object params;
    params["requestId"] = uid;
    params["reason"] = "client went away";
    self->write(serialize_json(mcp::make_notification("notifications/cancelled", std::move(params))));
  });
}

net::awaitable<Result<void>> StdioUpstream::cancel(Inbox* inbox, json::object notification, Deadline deadline) {
  // A request this replica does not have in flight is not this child's (a child is one replica's).
  if (!inbox) co_return Result<void>{};
  if (on_own_thread()) co_return co_await do_cancel(inbox->shared_from_this(), std::move(notification), deadline);
  co_return co_await asio::co_spawn(executor_, do_cancel(inbox->shared_from_this(), std::move(notification), deadline),
                                    asio::use_awaitable);
}

net::awaitable<Result<void>> StdioUpstream::do_cancel(std::shared_ptr<Inbox> inbox, json::object notification,
                                                      Deadline deadline) {
  auto it = by_inbox_.find(inbox.get());
  if (it == by_inbox_.end()) co_return Result<void>{};  // already answered: nothing to cancel
  auto* params = notification.if_contains("params");
  if (!params || !params->is_object()) co_return Result<void>{};
  const std::int64_t uid = it->second;
  params->get_object()["requestId"] = uid;  // the id this child knows the request by
  // The request is forgotten here (MCP cancellation: the receiver frees what the request holds
  // and sends no response; the sender ignores a response that arrives afterwards): its place
  // among max_in_flight is free, an answer the child sends anyway goes nowhere, and giving up
  // on it later (the client's timeout) does not cancel it a second time.
  by_inbox_.erase(it);
  pending_.erase(uid);
  pending_order_.remove(uid);
  count_in_flight();
  auto running = co_await ensure_running(deadline);
  if (!running) co_return running;
  write(serialize_json(notification));
  co_return Result<void>{};
}

void StdioUpstream::close() {
  asio::post(executor_, [self = shared_from_this()] {
    if (self->state_ == State::closed) return;
    self->state_ = State::closed;
    // Graceful stop: end of input first (a well-behaved server exits), then SIGTERM, then SIGKILL.
    self->stdin_.reset();
    int pid = self->pid_.load();
    if (pid <= 0) return;
    auto timer = std::make_shared<asio::steady_timer>(self->executor_, std::chrono::milliseconds(1000));
    timer->async_wait([self, timer, pid](const net::error_code&) {
      if (::waitpid(pid, nullptr, WNOHANG) == 0) {
        ::kill(pid, SIGTERM);
        timer->expires_after(std::chrono::milliseconds(1000));
        timer->async_wait([self, timer, pid](const net::error_code&) {
          if (::waitpid(pid, nullptr, WNOHANG) == 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
          }
          self->pid_ = -1;
        });
      } else {
        self->pid_ = -1;
      }
    });
  });
}

net::awaitable<Result<void>> StdioUpstream::do_begin(json::object request, std::shared_ptr<Inbox> inbox,
                                                     Deadline deadline) {
  if (pending_.size() >= options_.max_in_flight) co_return fail("too many requests in flight to this upstream");
  if (state_ != State::running) {
    auto running = co_await ensure_running(deadline);
    if (!running) co_return running;
  }

  std::int64_t uid = next_id_++;
  Pending p{std::move(inbox), request["id"], nullptr, generation_};
  // Progress tokens are rewritten too: clients of a shared child may pick the same token.
  if (auto* params = request.if_contains("params"); params && params->is_object()) {
    auto& po = params->get_object();
    if (request["method"] == "initialize") {
      handshake_ = po;
      initialized_notified_ = false;
    }
    if (auto* meta = po.if_contains("_meta"); meta && meta->is_object()) {
      if (auto* token = meta->get_object().if_contains("progressToken")) {
        p.progress_token = *token;
        std::string mapped = "p" + std::to_string(uid);
        by_progress_token_[mapped] = uid;
        *token = mapped;
      }
    }
  }
  by_inbox_[p.inbox.get()] = uid;
  request["id"] = uid;
  pending_.emplace(uid, std::move(p));
  pending_order_.push_back(uid);
  count_in_flight();
  write(serialize_json(request));
  co_return Result<void>{};
}

net::awaitable<Result<void>> StdioUpstream::do_deliver(json::object message, Deadline deadline) {
  auto* id = message.if_contains("id");
  if (id && !message.contains("method")) {
    // The client's answer to a request this child sent: map "mcpgate:<tag>:<n>" back.
    if (!id->is_string()) co_return fail("unknown server request id");
    std::string_view s = id->get_string();
    auto prefix = std::string(kServerRequestIdPrefix) + options_.tag + ":";
    if (!s.starts_with(prefix)) co_return fail("unknown server request id");
    std::uint64_t n = std::strtoull(std::string(s.substr(prefix.size())).c_str(), nullptr, 10);
    auto it = server_requests_.find(n);
    if (it == server_requests_.end()) co_return fail("unknown server request id");
    message["id"] = it->second;
    server_requests_.erase(it);
    if (state_ != State::running) co_return fail("upstream restarted since it asked");
    write(serialize_json(message));
    co_return Result<void>{};
  }
  auto method = message.contains("method") && message["method"].is_string()
                    ? std::string(message["method"].get_string())
                    : std::string();
  if (method == "notifications/initialized") initialized_notified_ = true;
  // A cancellation names the request by an id this child never saw and that may be another
  // client's too: it comes through cancel(), which knows the request.
  if (method == "notifications/cancelled") co_return Result<void>{};
  auto running = co_await ensure_running(deadline);
  if (!running) co_return running;
  write(serialize_json(message));
  co_return Result<void>{};
}

net::awaitable<Result<void>> StdioUpstream::ensure_running(Deadline deadline) {
  for (;;) {
    if (state_ == State::running) co_return Result<void>{};
    if (state_ == State::closed) co_return fail("upstream is shut down");
    if (state_ == State::starting) {
      // Another request is starting the child: wait for it (the gate is cancelled when done).
      auto waiter = std::make_shared<asio::steady_timer>(executor_, deadline);
      start_waiters_.push_back(waiter);
      co_await waiter->async_wait(net::as_tuple_awaitable);
      if (steady::now() >= deadline && state_ != State::running) co_return fail("upstream did not start in time");
      continue;
    }
    state_ = State::starting;
    // Backoff: an immediate restart after a healthy run; doubling delays while it keeps dying.
    if (consecutive_failures_ > 1) {
      auto delay = std::min<steady::duration>(
          std::chrono::milliseconds(100) * (1u << std::min(consecutive_failures_ - 2, 10u)), options_.backoff_max);
      auto until = exited_at_ + delay;
      if (until > steady::now()) {
        if (until > deadline) {
          state_ = State::stopped;
          wake_start_waiters();
          co_return fail("upstream is restarting (backoff)");
        }
        asio::steady_timer t(executor_, until);
        co_await t.async_wait(net::as_tuple_awaitable);
      }
    }
    auto spawned = spawn();
    if (!spawned) {
      state_ = State::stopped;
      exited_at_ = steady::now();
      ++consecutive_failures_;
      wake_start_waiters();
      co_return spawned;
    }
    auto replay = co_await replay_handshake(deadline);
    if (!replay) {
      log_line(options_.label, "handshake replay failed: " + replay.error().message);
      int pid = pid_.load();
      if (pid > 0) ::kill(pid, SIGKILL);
      if (state_ == State::starting) state_ = State::stopped;
      wake_start_waiters();
      co_return replay;
    }
    state_ = State::running;
    wake_start_waiters();
    co_return Result<void>{};
  }
}

net::awaitable<Result<void>> StdioUpstream::replay_handshake(Deadline deadline) {
  if (!handshake_) co_return Result<void>{};
  auto inbox = std::make_shared<Inbox>(executor_);
  std::int64_t uid = next_id_++;
  pending_.emplace(uid, Pending{inbox, json::value("mcpgate-handshake"), nullptr, generation_});
  write(serialize_json(mcp::make_request(uid, "initialize", *handshake_)));
  auto reply = co_await inbox->pop(deadline);
  pending_.erase(uid);
  if (!reply) co_return fail(reply.error().message);
  if (reply->contains("error")) co_return fail("initialize was refused after restart");
  if (initialized_notified_) write(serialize_json(mcp::make_notification("notifications/initialized")));
  log_line(options_.label, "handshake replayed after restart");
  co_return Result<void>{};
}

Result<void> StdioUpstream::spawn() {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return fail("pipe failed");
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]), ::close(in_pipe[1]);
    return fail("pipe failed");
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]), ::close(in_pipe[1]), ::close(out_pipe[0]), ::close(out_pipe[1]);
    return fail("pipe failed");
  }
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = options_.process.command;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    auto name = kv.substr(0, kv.find('='));
    if (!options_.process.env.count(std::string(name)) && name != options_.token_env) env_store.emplace_back(kv);
  }
  for (auto& [k, v] : options_.process.env)
    if (k != options_.token_env) env_store.push_back(k + "=" + v);
  // The token only ever reaches the child's environment, never a log line.
  if (!options_.token_env.empty()) env_store.push_back(options_.token_env + "=" + std::string(options_.token.reveal()));
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string cwd = options_.process.cwd;
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) return fail("fork failed");
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    // The child must not outlive the gateway, nor receive the terminal's Ctrl-C meant for us.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execvpe(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ++generation_;
  pid_ = pid;
  stdin_ = std::make_unique<asio::posix::stream_descriptor>(executor_, in_pipe[1]);
  stdout_ = std::make_unique<asio::posix::stream_descriptor>(executor_, out_pipe[0]);
  stderr_ = std::make_unique<asio::posix::stream_descriptor>(executor_, err_pipe[0]);
  started_at_ = steady::now();
  queued_.clear();
  sending_ = false;
  asio::co_spawn(executor_, read_stdout(shared_from_this(), generation_), asio::detached);
  asio::co_spawn(executor_, read_stderr(shared_from_this(), generation_), asio::detached);
  log_line(options_.label, "started pid " + std::to_string(pid));
  return Result<void>{};
}

void StdioUpstream::wake_start_waiters() {
  for (auto& w : start_waiters_) w->cancel();
  start_waiters_.clear();
}

void StdioUpstream::write(std::string_view line) {
  if (!stdin_) return;
  queued_ += line;
  queued_ += '\n';
  // One flush behind the handlers already waiting: the lines they write too leave in the same
  // write, one wake-up of the child for several requests when many are in flight.
  if (!flush_posted_ && !sending_) {
    flush_posted_ = true;
    asio::post(executor_, [self = shared_from_this()] {
      self->flush_posted_ = false;
      self->flush();
    });
  }
}

void StdioUpstream::flush() {
  if (sending_ || queued_.empty() || !stdin_) return;
  sending_ = true;
  // The bytes belong to the write until it completes, even if the child dies and another starts.
  auto bytes = std::make_shared<std::string>(std::move(queued_));
  queued_.clear();
  asio::async_write(*stdin_, asio::buffer(*bytes),
                    [self = shared_from_this(), bytes, generation = generation_](net::error_code ec, std::size_t) {
                      if (generation != self->generation_) return;  // that child is gone: spawn() reset this
                      self->sending_ = false;
                      if (ec) return self->on_exit(generation, "stdin closed: " + ec.message());
                      self->flush();
                    });
}

net::awaitable<void> StdioUpstream::read_stdout([[maybe_unused]] std::shared_ptr<StdioUpstream> self,
                                                std::uint64_t generation) {
  std::string buffer;
  for (;;) {
    if (generation != generation_ || !stdout_) co_return;
    auto [ec, n] = co_await asio::async_read_until(*stdout_, asio::dynamic_buffer(buffer, options_.max_line_bytes),
                                                   '\n', net::as_tuple_awaitable);
    if (generation != generation_) co_return;
    if (ec) {
      on_exit(generation, ec == asio::error::not_found ? "line longer than the limit" : "exited");
      co_return;
    }
    std::string_view line(buffer.data(), n - 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) on_line(line);
    buffer.erase(0, n);
  }
}

net::awaitable<void> StdioUpstream::read_stderr([[maybe_unused]] std::shared_ptr<StdioUpstream> self,
                                                std::uint64_t generation) {
  std::string buffer;
  for (;;) {
    if (generation != generation_ || !stderr_) co_return;
    auto [ec, n] = co_await asio::async_read_until(*stderr_, asio::dynamic_buffer(buffer, 64 * 1024), '\n',
                                                   net::as_tuple_awaitable);
    if (ec == asio::error::not_found) {
      log_line(options_.label, buffer);
      buffer.clear();
      continue;
    }
    if (ec) co_return;
    log_line(options_.label, std::string_view(buffer.data(), n - 1));
    buffer.erase(0, n);
  }
}

std::shared_ptr<Inbox> StdioUpstream::related_inbox() const {
  // A stdio server does not say which request a log line or a sampling request belongs to; the
  // request most recently sent is the best guess, and with one request at a time it is exact.
  for (auto it = pending_order_.rbegin(); it != pending_order_.rend(); ++it) {
    auto p = pending_.find(*it);
    if (p != pending_.end() && p->second.client_id != json::value("mcpgate-handshake")) return p->second.inbox;
  }
  return listener_;
}

void StdioUpstream::reject_server_request(const json::value& id, std::string_view why) {
  write(serialize_json(error_reply(id, mcp::code::invalid_request, why)));
}

void StdioUpstream::on_line(std::string_view line) {
  auto parsed = parse_json(line);
  if (!parsed) {
    // stdout must carry only MCP; anything else is the child's bug, logged and skipped.
    log_line(options_.label, "ignored a line that is not JSON-RPC (" + parsed.error().message + ")", log::Level::warn);
    return;
  }
  auto msg = mcp::classify(std::move(*parsed));
  if (!msg) {
    log_line(options_.label, "ignored an invalid JSON-RPC message: " + msg.error().message, log::Level::warn);
    return;
  }
  auto& body = msg->body;
  if (msg->is_reply()) {
    auto& id = body["id"];
    if (!id.is_int64()) return;
    auto it = pending_.find(id.get_int64());
    if (it == pending_.end()) return;  // abandoned or from before a restart
    Pending p = std::move(it->second);
    pending_.erase(it);
    pending_order_.remove(id.get_int64());
    count_in_flight();
    by_inbox_.erase(p.inbox.get());
    for (auto t = by_progress_token_.begin(); t != by_progress_token_.end();)
      t = t->second == id.get_int64() ? by_progress_token_.erase(t) : std::next(t);
    body["id"] = p.client_id;
    p.inbox->push(std::move(body), relayable_text(line, p.client_id));
    return;
  }
  if (msg->is_request()) {
    auto target = related_inbox();
    if (!target) {
      reject_server_request(body["id"], "no client is listening for server requests");
      return;
    }
    std::uint64_t n = next_server_request_++;
    server_requests_[n] = body["id"];
    body["id"] = std::string(kServerRequestIdPrefix) + options_.tag + ":" + std::to_string(n);
    if (!target->push(std::move(body))) server_requests_.erase(n);
    return;
  }
  // Notification.
  std::shared_ptr<Inbox> target;
  bool rewritten_token = false;
  if (msg->method() == "notifications/progress") {
    auto* params = body.if_contains("params");
    auto* token = params && params->is_object() ? params->get_object().if_contains("progressToken") : nullptr;
    if (token && token->is_string()) {
      auto t = by_progress_token_.find(std::string(token->get_string()));
      if (t != by_progress_token_.end()) {
        auto p = pending_.find(t->second);
        if (p != pending_.end()) {
          *token = p->second.progress_token;
          rewritten_token = true;
          target = p->second.inbox;
        }
      }
    }
    if (!target) return;  // progress for a request that is gone
  } else if (msg->method().ends_with("/list_changed") || msg->method() == "notifications/resources/updated") {
    // Not about any request: only a standalone stream (legacy GET) may carry it.
    target = listener_;
  } else {
    target = related_inbox();
  }
  if (target) target->push(std::move(body), rewritten_token ? std::string() : std::string(line));
}

void StdioUpstream::on_exit(std::uint64_t generation, const std::string& reason) {
  if (generation != generation_) return;
  ++generation_;  // stops the reader and writer of the dead child
  int pid = pid_.exchange(-1);
  int status = 0;
  if (pid > 0) {
    // stdout closed does not mean the process is gone; do not leave it running or a zombie.
    if (::waitpid(pid, &status, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
  }
  stdin_.reset();
  stdout_.reset();
  stderr_.reset();
  queued_.clear();
  sending_ = false;
  auto now = steady::now();
  consecutive_failures_ = (now - started_at_ > std::chrono::seconds(10)) ? 1 : consecutive_failures_ + 1;
  exited_at_ = now;
  log_line(options_.label, "child " + std::to_string(pid) + " " + reason +
                               (WIFEXITED(status)     ? " (status " + std::to_string(WEXITSTATUS(status)) + ")"
                                : WIFSIGNALED(status) ? " (signal " + std::to_string(WTERMSIG(status)) + ")"
                                                      : ""));
  // Requests in flight get their answer now rather than at their deadline.
  for (auto& [uid, p] : pending_) {
    if (p.client_id == json::value("mcpgate-handshake")) {
      p.inbox->close("upstream exited during the handshake");
      continue;
    }
    p.inbox->push(error_reply(p.client_id, mcp::code::upstream_unavailable, "upstream server exited"));
  }
  pending_.clear();
  pending_order_.clear();
  count_in_flight();
  by_inbox_.clear();
  by_progress_token_.clear();
  server_requests_.clear();
  if (state_ != State::closed) {
    state_ = State::stopped;
    ++restarts_;
    if (metrics_) metrics_->upstream_restart();
  }
}

}  // namespace mcpgate::gateway
