#include "app/supervised_child.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.hpp"

namespace mcpgate::app {

Result<std::pair<pid_t, std::string>> SupervisedChild::spawn(const std::vector<std::string>& argv,
                                                             std::chrono::milliseconds ready) {
  if (argv.empty()) return fail("no program");
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return fail("pipe failed");
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out[0]);
    ::close(out[1]);
    return fail("fork failed");
  }
  if (pid == 0) {
    // Async-signal-safe calls only: the parent may have threads.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    // A process group of its own: a terminal's Ctrl-C (sent to the foreground group) reaches
    // mcpgate, which stops this child itself, rather than killing both at once.
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(out[1], 1);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + ready;
  bool done = false;
  while (!done) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, int(left.count())) <= 0) continue;
    char buf[256];
    auto n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n && !done; ++i) {
      if (buf[i] == '\n')
        done = true;
      else if (line.size() < 4096)
        line += buf[i];
    }
  }
  ::close(out[0]);
  if (!done) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return fail(argv[0] + " did not start");
  }
  return std::pair{pid, line};
}

Result<std::unique_ptr<SupervisedChild>> SupervisedChild::start(std::vector<std::string> argv,
                                                                std::chrono::milliseconds ready) {
  auto r = spawn(argv, ready);
  if (!r) return unexpected(r.error());
  std::unique_ptr<SupervisedChild> c(new SupervisedChild());
  c->pid_ = r->first;
  c->first_line_ = r->second;
  return c;
}

void SupervisedChild::supervise(std::vector<std::string> restart_argv, int max_restarts) {
  supervisor_ = std::thread([this, argv = std::move(restart_argv), max_restarts] { run(argv, max_restarts); });
}

void SupervisedChild::run(std::vector<std::string> argv, int max_restarts) {
  for (;;) {
    pid_t pid;
    {
      std::lock_guard lock(mu_);
      pid = pid_;
    }
    if (pid < 0) return;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::unique_lock lock(mu_);
    pid_ = -1;
    changed_.notify_all();
    if (stopping_) return;
    std::string exited = "demo: " + argv[0] + " exited (status " + std::to_string(status) + ")";
    if (max_restarts-- <= 0) {
      log::error(exited + "; not restarting it again");
      return;
    }
    log::warn(exited + "; restarting it");
    if (changed_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) return;
    lock.unlock();
    auto r = spawn(argv, std::chrono::seconds(10));
    lock.lock();
    if (!r) {
      log::error("demo: " + r.error().message);
      continue;  // pid_ stays -1: the loop ends
    }
    pid_ = r->first;
    if (stopping_) ::kill(pid_, SIGTERM);
  }
}

void SupervisedChild::stop(std::chrono::milliseconds grace) {
  std::unique_lock lock(mu_);
  stopping_ = true;
  changed_.notify_all();
  if (pid_ > 0) ::kill(pid_, SIGTERM);
  if (supervisor_.joinable()) {
    if (!changed_.wait_for(lock, grace, [this] { return pid_ < 0; }) && pid_ > 0) ::kill(pid_, SIGKILL);
    lock.unlock();
    supervisor_.join();
    return;
  }
  // Not supervised: reap it here.
  if (pid_ > 0) {
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        break;
      }
      ::usleep(20'000);
    }
    pid_ = -1;
  }
}

SupervisedChild::~SupervisedChild() {
  stop();
}

}  // namespace mcpgate::app
