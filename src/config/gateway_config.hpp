#pragma once
// The gateway's configuration: an immutable snapshot, built once from YAML and validated whole.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace mcpgate::config {

struct StdioUpstream {
  std::vector<std::string> command;  // argv; command[0] is looked up in PATH
  std::map<std::string, std::string> env;
  std::string cwd;
  // per_session: one child per legacy client session (server→client requests reach the right
  // client, as stdio servers assume one client). shared: one child for every client.
  enum class Mode { per_session, shared } mode = Mode::per_session;
};

struct HttpUpstream {
  std::string url;
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";
  std::map<std::string, std::string> headers;
};

struct Upstream {
  std::string name;
  std::string prefix;  // prepended to tool and prompt names (and resource URIs get no prefix)
  std::optional<StdioUpstream> stdio;
  std::optional<HttpUpstream> http;
  std::chrono::milliseconds request_timeout{120'000};
  std::chrono::milliseconds restart_backoff_max{30'000};
  std::size_t max_concurrent_requests = 256;
};

struct Auth {
  // Serving an endpoint without authorization is an explicit, visible choice: it exists for the
  // conformance suites and local development, and is logged loudly at start-up.
  bool anonymous = false;
};

struct Endpoint {
  std::string name;
  std::string path;
  std::vector<Upstream> upstreams;
  Auth auth;
};

struct Limits {
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_connections = 20'000;
  std::size_t max_sessions = 10'000;
  std::chrono::milliseconds session_idle_timeout{30 * 60'000};
};

struct Gateway {
  std::string source;  // the file it came from, for messages
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string public_url;
  unsigned threads = 0;  // 0: one per core
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_hosts;
  Limits limits;
  std::vector<Endpoint> servers;
};

// Errors name the file, line, column and key: "gw.yaml:7:5: servers[0].path: must start with /".
Result<Gateway> load_gateway_config(const std::string& path);
Result<Gateway> parse_gateway_config(const std::string& yaml_text, const std::string& source = "<config>");

// "host:port" with IPv6 in brackets.
Result<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& text);

}  // namespace mcpgate::config
