// bench_many_tools: an MCP server (the mcpgate server library, include/mcpgate/server.hpp) over
// Streamable HTTP exposing N tools (default 500) named tool_000 … tool_NNN, each answering a fixed
// text. The upstream of bench/auth's policy measurements (g).
//
//   bench_many_tools --http HOST:PORT [--tools N] [--threads N]
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "mcpgate/server.hpp"

int main(int argc, char** argv) {
  using namespace mcpgate;
  std::string listen;
  int count = 500;
  HttpOptions http;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--http" && i + 1 < argc)
      listen = argv[++i];
    else if (a == "--tools" && i + 1 < argc)
      count = std::stoi(argv[++i]);
    else if (a == "--threads" && i + 1 < argc)
      http.threads = static_cast<unsigned>(std::stoul(argv[++i]));
    else {
      std::cerr << "usage: bench_many_tools --http HOST:PORT [--tools N] [--threads N]\n";
      return 2;
    }
  }
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || count < 1 || count > 100000) {
    std::cerr << "usage: bench_many_tools --http HOST:PORT [--tools N] [--threads N]\n";
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);

  McpServer server(ServerInfo{"mcpgate-bench-many-tools", "0.1.0", "many tools", ""});
  for (int n = 0; n < count; ++n) {
    char name[32];
    std::snprintf(name, sizeof name, "tool_%03d", n);
    Tool t;
    t.name = name;
    t.description = std::string("Benchmark tool ") + name + ": answers a fixed text.";
    t.input_schema =
        json::object{{"type", "object"}, {"properties", json::object{{"text", json::object{{"type", "string"}}}}}};
    t.annotations.read_only_hint = true;
    std::string reply = std::string("fixed reply from ") + name;
    t.handler =
        sync_handler([reply](const json::object&, RequestContext&) -> Reply { return tool_text_result(reply); });
    server.add_tool(std::move(t));
  }

  http.host = listen.substr(0, colon);
  http.port = static_cast<std::uint16_t>(std::stoul(listen.substr(colon + 1)));
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  HttpTransport transport(server, http);
  try {
    transport.start();
  } catch (const std::exception& e) {
    std::cerr << "bench_many_tools: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "bench_many_tools: " << count << " tools on http://" << listen << http.path << "\n";
  int sig = 0;
  sigwait(&stop_signals, &sig);
  transport.stop();
  transport.wait();
  return 0;
}
