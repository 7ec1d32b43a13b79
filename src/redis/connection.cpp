#include "redis/connection.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cerrno>

#include "redis/bounded_reader.hpp"

namespace mcpgate::redis {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

}  // namespace

Connection::~Connection() {
  if (c_) redisFree(c_);
}

int Connection::fd() const {
  return c_->fd;
}

Error Connection::failure(std::string_view what) {
  broken_ = true;
  // hiredis's errstr says what the socket said ("Connection refused", "Resource temporarily
  // unavailable" for a deadline); it never holds the command's arguments.
  std::string why = c_->err ? std::string(c_->errstr) : std::string("no reply");
  if (c_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) why = "timed out";
  return Error{"redis " + name_ + ": " + std::string(what) + ": " + why};
}

Result<std::unique_ptr<Connection>> Connection::open(const ConnectOptions& o) {
  redisContext* c = redisConnectWithTimeout(o.endpoint.host.c_str(), o.endpoint.port, to_timeval(o.connect_timeout));
  if (!c) return fail("redis " + o.endpoint.name() + ": cannot allocate a connection");
  if (c->err) {
    std::string why = c->errstr;
    redisFree(c);
    return fail("redis " + o.endpoint.name() + ": cannot connect: " + why);
  }
  bound_reader(c->reader);
  std::unique_ptr<Connection> conn(new Connection(c, o.endpoint.name()));
  if (redisSetTimeout(c, to_timeval(o.command_timeout)) != REDIS_OK) return unexpected(conn->failure("set timeout"));
  (void)redisEnableKeepAlive(c);
  if (!o.password.empty()) {
    auto r = conn->command({"AUTH", o.password.reveal()});
    if (!r) return unexpected(r.error());
    // The server's reason (WRONGPASS, "no password is set"), which never repeats the password.
    if (r->is_error()) return fail("redis " + o.endpoint.name() + ": authentication failed: " + r->str);
  }
  // PING also finds a server that wants a password we were not given (NOAUTH) now, not later.
  auto ping = conn->command({"PING"});
  if (!ping) return unexpected(ping.error());
  if (ping->is_error()) return fail("redis " + o.endpoint.name() + ": " + ping->str);
  if (o.endpoint.db != 0) {
    auto db = std::to_string(o.endpoint.db);
    auto r = conn->command({"SELECT", db});
    if (!r) return unexpected(r.error());
    if (r->is_error()) return fail("redis " + o.endpoint.name() + ": SELECT " + db + ": " + r->str);
  }
  return conn;
}

Result<Reply> Connection::command(const std::vector<std::string_view>& args) {
  if (broken_) return fail("redis " + name_ + ": connection lost");
  if (auto s = send(args); !s) return unexpected(s.error());
  void* raw = nullptr;
  if (redisGetReply(c_, &raw) != REDIS_OK || !raw) return unexpected(failure("no reply"));
  Reply r = from_hiredis(*static_cast<redisReply*>(raw));
  freeReplyObject(raw);
  return r;
}

Result<void> Connection::send(const std::vector<std::string_view>& args) {
  if (broken_) return fail("redis " + name_ + ": connection lost");
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(c_, int(argv.size()), argv.data(), lens.data()) != REDIS_OK)
    return unexpected(failure("send"));
  int done = 0;
  while (!done)
    if (redisBufferWrite(c_, &done) != REDIS_OK) return unexpected(failure("send"));
  return {};
}

Result<std::optional<Reply>> Connection::buffered_reply() {
  if (broken_) return fail("redis " + name_ + ": connection lost");
  void* raw = nullptr;
  if (redisGetReplyFromReader(c_, &raw) != REDIS_OK) return unexpected(failure("protocol error"));
  if (!raw) return std::optional<Reply>{};
  Reply r = from_hiredis(*static_cast<redisReply*>(raw));
  freeReplyObject(raw);
  return std::optional<Reply>{std::move(r)};
}

Result<void> Connection::read_available() {
  if (broken_) return fail("redis " + name_ + ": connection lost");
  // Called after poll() said readable: one read, which returns what is there (or EOF).
  if (redisBufferRead(c_) != REDIS_OK) return unexpected(failure("read"));
  return {};
}

}  // namespace mcpgate::redis
