// stdio transport: newline-delimited JSON-RPC; stdout carries only MCP messages.
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "core/json.hpp"
#include "mcp/server/server_impl.hpp"

namespace mcpgate {

namespace {
namespace asio = net::asio;
using mcp::server::Outlet;
using mcp::server::Session;

constexpr std::size_t kMaxLine = 4 * 1024 * 1024;

// All writes happen on the single io thread, so lines never interleave.
class LineWriter {
 public:
  explicit LineWriter(int fd) : fd_(fd) {}
  bool write(const json::object& message) {
    if (broken_) return false;
    std::string line = json::serialize(message);
    line += '\n';
    std::size_t off = 0;
    while (off < line.size()) {
      auto n = ::write(fd_, line.data() + off, line.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        broken_ = true;  // EPIPE: the client is gone
        return false;
      }
      off += static_cast<std::size_t>(n);
    }
    return true;
  }

 private:
  int fd_;
  bool broken_ = false;
};

class StdioOutlet final : public Outlet {
 public:
  explicit StdioOutlet(LineWriter& w) : w_(w) {}
  net::awaitable<bool> send(json::object message) override { co_return w_.write(message); }

 private:
  LineWriter& w_;
};

class StdioServer {
 public:
  StdioServer(McpServer& server, int in_fd, int out_fd) : server_(server), in_fd_(in_fd), writer_(out_fd) {}

  int run() {
    session_ = std::make_shared<Session>();
    session_->id = "stdio";
    session_->notify = [this](json::object n) {
      asio::post(io_, [this, n = std::move(n)] { writer_.write(n); });
      return true;
    };
    server_.impl().attach(session_);
    server_.impl().tasks.open();
    auto guard = asio::make_work_guard(io_);
    std::thread reader([this, &guard] {
      read_loop();
      asio::post(io_, [this, &guard] {
        // Nobody is left to answer server→client requests: fail them so their handlers finish.
        session_->pending.close();
        // Nor to poll tasks: end them (and start no more), so that io_.run() returns.
        server_.impl().tasks.close("the client went away");
        guard.reset();
      });
    });
    io_.run();
    reader.join();
    session_->notify = nullptr;
    return 0;
  }

 private:
  void read_loop() {
    std::string buf;
    bool discarding = false;  // inside a line that exceeded the limit
    char chunk[65536];
    for (;;) {
      auto n = ::read(in_fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      std::string_view data(chunk, static_cast<std::size_t>(n));
      while (!data.empty()) {
        auto nl = data.find('\n');
        if (nl == std::string_view::npos) {
          if (!discarding) buf.append(data);
          if (buf.size() > kMaxLine) {
            buf.clear();
            discarding = true;
          }
          break;
        }
        if (!discarding) buf.append(data.substr(0, nl));
        if (discarding) {
          asio::post(io_, [this] { reject(mcp::code::parse_error, "message too large"); });
        } else if (!buf.empty() && buf != "\r") {
          asio::post(io_, [this, line = std::move(buf)] { on_line(line); });
        }
        buf.clear();
        discarding = false;
        data.remove_prefix(nl + 1);
      }
    }
    if (!buf.empty() && !discarding) asio::post(io_, [this, line = std::move(buf)] { on_line(line); });
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
  LineWriter writer_;
  asio::io_context io_{1};
  std::shared_ptr<Session> session_;
};

}  // namespace

int serve_stdio(McpServer& server, int in_fd, int out_fd) {
  StdioServer s(server, in_fd, out_fd);
  return s.run();
}

}  // namespace mcpgate
