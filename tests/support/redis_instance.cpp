#include "redis_instance.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

extern char** environ;

#include "free_port.hpp"

namespace mcpgate::test {
namespace {
namespace fs = std::filesystem;

std::string server_binary() {
  if (const char* e = std::getenv("MCPGATE_REDIS_SERVER"); e && *e) return e;
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= p.size();) {
    auto end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    fs::path cand = fs::path(p.substr(start, end - start)) / "redis-server";
    if (::access(cand.c_str(), X_OK) == 0) return cand.string();
    start = end + 1;
  }
  return {};
}

bool accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(std::uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

bool RedisInstance::installed() {
  return !server_binary().empty();
}

Result<std::unique_ptr<RedisInstance>> RedisInstance::start(std::string password) {
  std::unique_ptr<RedisInstance> r(new RedisInstance());
  r->password_ = std::move(password);
  std::string tmpl = (fs::temp_directory_path() / "mcpgate-redis-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return fail("cannot create a temporary directory");
  r->dir_ = tmpl;
  r->port_ = free_port();
  if (auto l = r->launch(); !l) return unexpected(l.error());
  return r;
}

Result<void> RedisInstance::launch() {
  auto bin = server_binary();
  if (bin.empty()) return fail("redis-server not found (PATH or $MCPGATE_REDIS_SERVER): run scripts/setup");
  std::vector<std::string> args{bin,      "--port",    std::to_string(port_), "--bind", "127.0.0.1",
                                "--save", "",          "--appendonly",        "no",     "--dir",
                                dir_,     "--logfile", dir_ + "/log"};
  if (!password_.empty()) {
    args.push_back("--requirepass");
    args.push_back(password_);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (::posix_spawn(&pid_, bin.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    pid_ = -1;
    return fail("cannot start " + bin);
  }
  // redis-server has no "wait until listening" flag: poll the port (bounded), not a fixed sleep.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!accepts(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return fail("redis-server exited at start (log: " + dir_ + "/log)");
    }
    if (std::chrono::steady_clock::now() > deadline) return fail("redis-server did not listen within 10 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return {};
}

void RedisInstance::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

Result<void> RedisInstance::restart() {
  stop();
  return launch();
}

RedisInstance::~RedisInstance() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

}  // namespace mcpgate::test
