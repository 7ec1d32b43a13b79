#include "config/sessions_config.hpp"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace mcpgate::config {
namespace {

// Short, shared by every replica: the key's secret itself (32 bytes or more of any kind; a
// random 32-byte value in base64, `openssl rand -base64 32`, is 44 characters) from the
// environment or a file, never written in the configuration.
std::string read_secret(const YamlReader& r, const YAML::Node& n, const std::string& key) {
  auto env = n["secret_env"];
  auto file = n["secret_file"];
  if (env && file) r.error(n, key, "give secret_env or secret_file, not both");
  if (!env && !file) r.error(n, key, "needs secret_env or secret_file");
  std::string v;
  if (env) {
    auto var = r.str(env, key + ".secret_env");
    const char* e = std::getenv(var.c_str());
    if (!e || !*e) r.error(env, key + ".secret_env", "the environment variable " + var + " is not set");
    v = e;
  } else {
    auto path = r.str(file, key + ".secret_file");
    std::ifstream in(path, std::ios::binary);
    if (!in) r.error(file, key + ".secret_file", "cannot read " + path);
    std::ostringstream o;
    o << in.rdbuf();
    v = o.str();
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();  // editors add one
  }
  // A short secret could be guessed offline from any session id a client was given.
  if (v.size() < 32)
    r.error(env ? env : file, key, "the secret must be at least 32 bytes (e.g. `openssl rand -base64 32`)");
  return v;
}

}  // namespace

Sessions read_sessions(const YamlReader& r, const YAML::Node& n) {
  r.only_keys(n, "sessions", {"sealing_keys", "max_age_seconds"});
  Sessions s;
  if (n["max_age_seconds"])
    s.max_age = std::chrono::seconds(r.number(n["max_age_seconds"], "sessions.max_age_seconds", 60, 30 * 86'400));
  if (auto keys = n["sealing_keys"]) {
    if (!keys.IsSequence() || keys.size() == 0) r.error(keys, "sessions.sealing_keys", "must be a non-empty list");
    std::set<std::string> ids, secrets;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto k = "sessions.sealing_keys[" + std::to_string(i) + "]";
      r.only_keys(keys[i], k, {"id", "secret_env", "secret_file"});
      if (!keys[i]["id"]) r.error(keys[i], k + ".id", "is required");
      SessionSealingKey key;
      key.id = r.str(keys[i]["id"], k + ".id");
      if (key.id.empty()) r.error(keys[i]["id"], k + ".id", "must not be empty");
      if (!ids.insert(key.id).second) r.error(keys[i]["id"], k + ".id", "duplicate id");
      key.secret = read_secret(r, keys[i], k);
      if (!secrets.insert(key.secret).second) r.error(keys[i], k, "the same secret as another key");
      s.sealing_keys.push_back(std::move(key));
    }
  }
  return s;
}

}  // namespace mcpgate::config
