#pragma once
// A helper process that `mcpgate demo` starts, keeps running and stops: the example CRM API. It
// is told its address on its first line of standard output; when it dies it is started again on
// the same address; it dies with us (PR_SET_PDEATHSIG) even if we are killed.
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"

namespace mcpgate::app {

class SupervisedChild {
 public:
  // Starts argv[0] with argv and waits up to `ready` for the first line it prints. The caller
  // must have SIGINT/SIGTERM/SIGHUP blocked (the supervising thread inherits the mask; the child
  // gets an empty one).
  [[nodiscard]] static Result<std::unique_ptr<SupervisedChild>> start(std::vector<std::string> argv,
                                                                      std::chrono::milliseconds ready);
  ~SupervisedChild();
  SupervisedChild(const SupervisedChild&) = delete;
  SupervisedChild& operator=(const SupervisedChild&) = delete;

  const std::string& first_line() const { return first_line_; }
  // From now on an unexpected exit starts `restart_argv` (at most `max_restarts` times, a second
  // apart, so that a child that cannot start does not spin).
  void supervise(std::vector<std::string> restart_argv, int max_restarts = 5);
  // SIGTERM, then SIGKILL after `grace`; waits for it.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

 private:
  SupervisedChild() = default;
  [[nodiscard]] static Result<std::pair<pid_t, std::string>> spawn(const std::vector<std::string>& argv,
                                                                   std::chrono::milliseconds ready);
  void run(std::vector<std::string> argv, int max_restarts);

  std::mutex mu_;
  std::condition_variable changed_;
  pid_t pid_ = -1;  // -1: not running
  bool stopping_ = false;
  std::string first_line_;
  std::thread supervisor_;
};

}  // namespace mcpgate::app
