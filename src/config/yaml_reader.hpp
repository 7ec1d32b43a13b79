#pragma once
// Reading the YAML configuration: typed scalars and lists with errors that name file, line and key.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace mcpgate::config {

// Config errors are start-up errors: one exception type carries the message out of the walk.
struct ConfigError {
  std::string message;
};

// The typed reads every part of the configuration is made of; each error names the source,
// line, column and key.
class YamlReader {
 public:
  explicit YamlReader(std::string source) : source_(std::move(source)) {}

  const std::string& source() const { return source_; }

  [[noreturn]] void error(const YAML::Node& n, const std::string& key, const std::string& what) const {
    std::ostringstream o;
    o << source_;
    if (n.IsDefined() && n.Mark().line >= 0) o << ":" << n.Mark().line + 1 << ":" << n.Mark().column + 1;
    o << ": " << key << ": " << what;
    throw ConfigError{o.str()};
  }

  void only_keys(const YAML::Node& n, const std::string& where, std::initializer_list<const char*> allowed) const {
    if (!n.IsMap()) error(n, where, "must be a mapping");
    std::set<std::string> ok(allowed.begin(), allowed.end()), seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      auto k = it->first.as<std::string>();
      // A misspelt key must not silently fall back to a default (think `anonymus: false`).
      if (!ok.count(k)) error(it->first, where.empty() ? k : where + "." + k, "unknown key");
      // yaml-cpp keeps duplicates and lookups take the first: `anonymous: false` followed by
      // `anonymous: true` must not depend on which one the library picks.
      if (!seen.insert(k).second) error(it->first, where.empty() ? k : where + "." + k, "duplicate key");
    }
  }

  std::string str(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) error(n, key, "must be a string");
    return n.as<std::string>();
  }
  bool boolean(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) error(n, key, "must be true or false");
    bool v;
    if (!YAML::convert<bool>::decode(n, v)) error(n, key, "must be true or false");
    return v;
  }
  std::uint64_t number(const YAML::Node& n, const std::string& key, std::uint64_t min, std::uint64_t max) const {
    if (!n.IsScalar()) error(n, key, "must be a number");
    auto s = n.as<std::string>();
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) error(n, key, "must be a whole number");
    if (v < min || v > max) error(n, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v;
  }
  std::vector<std::string> strings(const YAML::Node& n, const std::string& key) const {
    if (!n.IsSequence()) error(n, key, "must be a list of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n.size(); ++i) out.push_back(str(n[i], key + "[" + std::to_string(i) + "]"));
    return out;
  }
  // One string or a list of them (`tools: get_*` or `tools: [get_*, search_*]`).
  std::vector<std::string> one_or_many(const YAML::Node& n, const std::string& key) const {
    if (n.IsScalar()) return {str(n, key)};
    return strings(n, key);
  }
  std::map<std::string, std::string> string_map(const YAML::Node& n, const std::string& key) const {
    if (!n.IsMap()) error(n, key, "must be a mapping of strings");
    std::map<std::string, std::string> out;
    for (auto it = n.begin(); it != n.end(); ++it) {
      auto k = it->first.as<std::string>();
      out[k] = str(it->second, key + "." + k);
    }
    return out;
  }
  double real(const YAML::Node& n, const std::string& key, double min, double max) const {
    if (!n.IsScalar()) error(n, key, "must be a number");
    auto s = n.as<std::string>();
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) error(n, key, "must be a number");
    if (v < min || v > max) {
      std::ostringstream o;
      o << "must be between " << min << " and " << max;
      error(n, key, o.str());
    }
    return v;
  }
  // A file the gateway will read (keys, certificates): it must exist and be readable now.
  void readable_file(const YAML::Node& n, const std::string& key, const std::string& path) const;

 protected:
  std::string source_;
};

// A YAML subtree as JSON text (for an inline JWKS written as YAML).
std::string yaml_to_json(const YAML::Node& n);

}  // namespace mcpgate::config
