// everything_server --stdio | --http HOST:PORT [--threads N] [--tls-cert PEM --tls-key PEM]
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>

#include "everything.hpp"

namespace {
int usage() {
  std::cerr
      << "usage: everything_server --stdio | --http HOST:PORT [--threads N] [--path /mcp] [--tls-cert PEM --tls-key "
         "PEM]\n";
  return 2;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace mcpgate;
  bool stdio = false;
  std::string listen;
  HttpOptions http;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--stdio")
      stdio = true;
    else if (a == "--http" && i + 1 < argc)
      listen = argv[++i];
    else if (a == "--threads" && i + 1 < argc)
      http.threads = static_cast<unsigned>(std::stoul(argv[++i]));
    else if (a == "--path" && i + 1 < argc)
      http.path = argv[++i];
    else if (a == "--tls-cert" && i + 1 < argc)
      http.tls_cert_file = argv[++i];
    else if (a == "--tls-key" && i + 1 < argc)
      http.tls_key_file = argv[++i];
    else
      return usage();
  }
  if (stdio == !listen.empty()) return usage();
  // A client that goes away must cost a failed write, not the process.
  std::signal(SIGPIPE, SIG_IGN);

  McpServer server(ServerInfo{"mcpgate-everything", "0.1.0", "mcpgate everything fixture",
                              "A test fixture exposing every MCP feature the conformance suite exercises."});
  examples::register_everything(server);

  if (stdio) return serve_stdio(server);

  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return usage();
  http.host = listen.substr(0, colon);
  if (http.host.size() > 1 && http.host.front() == '[') http.host = http.host.substr(1, http.host.size() - 2);
  http.port = static_cast<std::uint16_t>(std::stoul(listen.substr(colon + 1)));

  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  HttpTransport transport(server, http);
  try {
    transport.start();
  } catch (const std::exception& e) {
    std::cerr << "everything_server: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "everything_server listening on " << (http.tls_cert_file.empty() ? "http://" : "https://")
            << listen.substr(0, colon) << ":" << transport.port() << http.path << "\n";
  int sig = 0;
  sigwait(&stop_signals, &sig);
  transport.stop();
  transport.wait();
  return 0;
}
