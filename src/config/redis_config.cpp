#include "config/redis_config.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "redis/url.hpp"

namespace mcpgate::config {

Redis read_redis(const YamlReader& r, const YAML::Node& n) {
  const std::string k = "redis";
  r.only_keys(n, k,
              {"url", "password_env", "password_file", "connect_timeout_ms", "command_timeout_ms", "key_prefix",
               "revocation_max_staleness_seconds"});
  Redis out;
  if (!n["url"]) r.error(n, k + ".url", "is required");
  out.url = r.str(n["url"], k + ".url");
  if (auto u = redis::parse_url(out.url); !u) r.error(n["url"], k + ".url", u.error().message);
  if (n["password_env"] && n["password_file"]) r.error(n, k, "give password_env or password_file, not both");
  if (n["password_env"]) {
    auto var = r.str(n["password_env"], k + ".password_env");
    const char* v = std::getenv(var.c_str());
    if (!v || !*v) r.error(n["password_env"], k + ".password_env", "the environment variable " + var + " is not set");
    out.password = v;
  }
  if (n["password_file"]) {
    auto path = r.str(n["password_file"], k + ".password_file");
    std::ifstream in(path, std::ios::binary);
    if (!in) r.error(n["password_file"], k + ".password_file", "cannot read " + path);
    std::ostringstream o;
    o << in.rdbuf();
    out.password = o.str();
    while (!out.password.empty() && (out.password.back() == '\n' || out.password.back() == '\r'))
      out.password.pop_back();  // editors add one
    if (out.password.empty()) r.error(n["password_file"], k + ".password_file", path + " is empty");
  }
  if (n["connect_timeout_ms"])
    out.connect_timeout =
        std::chrono::milliseconds(r.number(n["connect_timeout_ms"], k + ".connect_timeout_ms", 10, 60000));
  if (n["command_timeout_ms"])
    out.command_timeout =
        std::chrono::milliseconds(r.number(n["command_timeout_ms"], k + ".command_timeout_ms", 10, 60000));
  if (n["key_prefix"]) {
    out.key_prefix = r.str(n["key_prefix"], k + ".key_prefix");
    // Keys and channels are built by appending to it: a space or control character would make
    // them unreadable in redis-cli and a shared instance's ACL patterns ambiguous.
    for (unsigned char c : out.key_prefix)
      if (c <= ' ' || c == 0x7f) r.error(n["key_prefix"], k + ".key_prefix", "must not contain spaces or controls");
    if (out.key_prefix.size() > 64) r.error(n["key_prefix"], k + ".key_prefix", "must be at most 64 characters");
  }
  if (n["revocation_max_staleness_seconds"])
    out.revocation_max_staleness = std::chrono::seconds(
        r.number(n["revocation_max_staleness_seconds"], k + ".revocation_max_staleness_seconds", 2, 86400));
  return out;
}

redis::ConnectOptions connect_options(const Redis& r) {
  redis::ConnectOptions o;
  if (auto e = redis::parse_url(r.url)) o.endpoint = *e;
  o.password = Secret(r.password);
  o.connect_timeout = r.connect_timeout;
  o.command_timeout = r.command_timeout;
  return o;
}

}  // namespace mcpgate::config
