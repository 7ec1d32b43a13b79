#include "client/browser.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <vector>

#include "net/address.hpp"

namespace mcpgate::client {

namespace {

bool on_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() && ::access((std::filesystem::path(dir) / program).c_str(), X_OK) == 0) return true;
  return false;
}

// Starts argv detached (double fork: no zombie, no wait), output discarded.
void spawn_detached(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid < 0) return;
  if (pid == 0) {
    if (::fork() != 0) ::_exit(0);
    ::setsid();
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
}

}  // namespace

Result<void> show_authorization_url(const std::string& url, const std::string& command) {
  auto u = net::parse_absolute_url(url);
  if (!u || (u->scheme() != "https" && u->scheme() != "http"))
    return fail("refusing to open an authorization URL that is not http(s)");
  std::cerr << "mcpgate: to sign in, open this URL in a browser:\n  " << url << "\n" << std::flush;
  std::vector<std::string> args;
  if (!command.empty()) {
    std::istringstream words(command);
    std::string w;
    while (words >> w) args.push_back(w);
  } else if ((std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY")) && on_path("xdg-open")) {
    args.push_back("xdg-open");
  }
  if (args.empty()) return {};
  args.push_back(url);
  spawn_detached(args);
  return {};
}

}  // namespace mcpgate::client
