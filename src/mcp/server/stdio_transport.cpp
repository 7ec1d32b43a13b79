// stdio transport: newline-delimited JSON-RPC; stdout carries only MCP messages.
//
// When both descriptors are pipes or sockets (how an MCP client, or the gateway, starts a server)
// everything runs on one thread: input is read and output written through the io_context, and
// the messages produced in one turn of the loop leave in one write. The other form, a thread that
// reads and hands each line to the io thread, woke two threads per request: on a busy stdio
// upstream that hand-off (futex wake-ups and context switches) cost more than answering.
// Regular files cannot be waited on with epoll, and a terminal's non-blocking flag is shared with
// the shell that started us, so for those a reader thread and blocking writes remain.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <optional>
#include <thread>

#include "core/json.hpp"
#include "core/line_splitter.hpp"
#include "mcp/server/server_impl.hpp"

namespace mcpgate {

namespace {
namespace asio = net::asio;
using mcp::server::Outlet;
using mcp::server::Session;

constexpr std::size_t kMaxLine = 4 * 1024 * 1024;

bool pollable(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

// A descriptor of our own for `fd` (epoll registers one per descriptor and open file, and in_fd
// may equal out_fd), registered with the io_context; nullopt when the reactor refuses it, and the
// caller then falls back to blocking calls on `fd` itself.
std::optional<asio::posix::stream_descriptor> open_stream(asio::io_context& io, int fd) {
  if (!pollable(fd)) return std::nullopt;
  int copy = ::dup(fd);
  if (copy < 0) return std::nullopt;
  std::optional<asio::posix::stream_descriptor> stream(std::in_place, io);
  net::error_code ec;
  stream->assign(copy, ec);
  if (ec) {
    ::close(copy);
    return std::nullopt;
  }
  return stream;
}

// Everything written in one turn of the io loop goes out together: write() queues the line, and
// one flush posted behind the handlers already waiting sends what they queued too. Used on the io
// thread only, so lines never interleave.
class LineWriter {
 public:
  LineWriter(asio::io_context& io, int fd) : io_(io), fd_(fd), stream_(open_stream(io, fd)) {}

  bool write(const json::object& message) {
    if (broken_) return false;
    queued_ += json::serialize(message);
    queued_ += '\n';
    if (!flush_posted_ && !sending_) {
      flush_posted_ = true;
      asio::post(io_, [this] {
        flush_posted_ = false;
        flush();
      });
    }
    return true;
  }

 private:
  void flush() {
    if (queued_.empty() || broken_) return;
    if (!stream_) return flush_blocking();
    sending_ = true;
    std::swap(in_transit_, queued_);
    queued_.clear();
    asio::async_write(*stream_, asio::buffer(in_transit_), [this](net::error_code ec, std::size_t) {
      sending_ = false;
      if (ec) {
        broken_ = true;  // EPIPE: the client is gone
        queued_.clear();
        return;
      }
      flush();  // what was queued meanwhile
    });
  }

  void flush_blocking() {
    std::size_t off = 0;
    while (off < queued_.size()) {
      auto n = ::write(fd_, queued_.data() + off, queued_.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        broken_ = true;
        break;
      }
      off += static_cast<std::size_t>(n);
    }
    queued_.clear();
  }

  asio::io_context& io_;
  int fd_;
  std::optional<asio::posix::stream_descriptor> stream_;
  std::string queued_, in_transit_;
  bool flush_posted_ = false, sending_ = false, broken_ = false;
};

class StdioOutlet final : public Outlet {
 public:
  explicit StdioOutlet(LineWriter& w) : w_(w) {}
  net::awaitable<bool> send(json::object message) override { co_return w_.write(message); }

 private:
  LineWriter& w_;
};

// The descriptor's flags as they were: Asio makes a descriptor it waits on non-blocking, and that
// flag belongs to the open file, which the process that gave it to us shares.
class FlagsRestorer {
 public:
  explicit FlagsRestorer(int fd) : fd_(fd), flags_(::fcntl(fd, F_GETFL)) {}
  ~FlagsRestorer() {
    if (flags_ >= 0) ::fcntl(fd_, F_SETFL, flags_);
  }
  FlagsRestorer(const FlagsRestorer&) = delete;
  FlagsRestorer& operator=(const FlagsRestorer&) = delete;

 private:
  int fd_;
  int flags_;
};

class StdioServer {
 public:
  StdioServer(McpServer& server, int in_fd, int out_fd)
      : server_(server), in_fd_(in_fd), in_flags_(in_fd), out_flags_(out_fd), writer_(io_, out_fd) {}

  int run() {
    session_ = std::make_shared<Session>();
    session_->id = "stdio";
    session_->notify = [this](json::object n) {
      asio::post(io_, [this, n = std::move(n)] { writer_.write(n); });
      return true;
    };
    server_.impl().attach(session_);
    server_.impl().tasks.open();
    serve_input();
    session_->notify = nullptr;
    return 0;
  }

 private:
  void serve_input() {
    auto in = open_stream(io_, in_fd_);
    if (!in) return run_with_reader_thread();
    asio::co_spawn(io_, read_input(*in), asio::detached);
    io_.run();
  }

  net::awaitable<void> read_input(asio::posix::stream_descriptor& in) {
    std::string chunk(65536, '\0');
    for (;;) {
      auto [ec, n] = co_await in.async_read_some(asio::buffer(chunk), net::as_tuple_awaitable);
      if (ec) break;  // end of file, or the client is gone
      splitter_.feed(
          std::string_view(chunk.data(), n), [this](std::string line) { on_line(line); },
          [this] { reject(mcp::code::parse_error, "message too large"); });
    }
    splitter_.finish([this](std::string line) { on_line(line); });
    end_of_input();
  }

  void run_with_reader_thread() {
    auto guard = asio::make_work_guard(io_);
    std::thread reader([this, &guard] {
      read_blocking();
      asio::post(io_, [this, &guard] {
        end_of_input();
        guard.reset();
      });
    });
    io_.run();
    reader.join();
  }

  // The lines of one read are handed over together: one wake-up of the io thread, not one each.
  void read_blocking() {
    struct Line {
      std::string text;
      bool too_long = false;
    };
    char chunk[65536];
    for (;;) {
      auto n = ::read(in_fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      std::vector<Line> batch;
      splitter_.feed(
          std::string_view(chunk, static_cast<std::size_t>(n)),
          [&batch](std::string line) { batch.push_back({std::move(line)}); },
          [&batch] {
            batch.push_back({{}, true});
          });
      if (batch.empty()) continue;
      asio::post(io_, [this, batch = std::move(batch)] {
        for (auto& line : batch)
          line.too_long ? reject(mcp::code::parse_error, "message too large") : on_line(line.text);
      });
    }
    splitter_.finish([this](std::string line) { asio::post(io_, [this, line = std::move(line)] { on_line(line); }); });
  }

  void end_of_input() {
    // Nobody is left to answer server→client requests: fail them so their handlers finish.
    session_->pending.close();
    // Nor to poll tasks: end them (and start no more), so that io_.run() returns.
    server_.impl().tasks.close("the client went away");
  }

  void reject(int code, std::string_view message) { writer_.write(mcp::make_error(nullptr, code, message)); }

  void on_line(const std::string& line) {
    auto parsed = parse_json(line);
    if (!parsed) return reject(mcp::code::parse_error, "Parse error: " + parsed.error().message);
    auto message = mcp::classify(std::move(*parsed));
    if (!message) return reject(mcp::code::invalid_request, "Invalid Request: " + message.error().message);
    if (message->is_reply()) {
      server_.impl().deliver(*session_, *message);
      return;
    }
    asio::co_spawn(io_, serve(std::move(*message)), asio::detached);
  }

  net::awaitable<void> serve(mcp::Message message) {
    StdioOutlet outlet(writer_);
    std::optional<json::object> response;
    try {
      response = co_await server_.impl().handle(message, mcp::server::era_of(message), session_.get(), outlet);
    } catch (const std::exception& e) {
      // A handler bug costs its own request only.
      if (message.is_request()) response = mcp::make_error(*message.id(), mcp::code::internal_error, "internal error");
    }
    if (response) writer_.write(*response);
  }

  McpServer& server_;
  int in_fd_;
  FlagsRestorer in_flags_, out_flags_;  // destroyed after writer_ and io_ are done with them
  asio::io_context io_{1};
  LineWriter writer_;
  LineSplitter splitter_{kMaxLine};
  std::shared_ptr<Session> session_;
};

}  // namespace

int serve_stdio(McpServer& server, int in_fd, int out_fd) {
  StdioServer s(server, in_fd, out_fd);
  return s.run();
}

}  // namespace mcpgate
