#include "config/yaml_reader.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <filesystem>
#include <fstream>

namespace mcpgate::config {

std::string yaml_to_json(const YAML::Node& n) {
  std::string out;
  if (n.IsMap()) {
    out += '{';
    bool first = true;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!first) out += ',';
      first = false;
      out += boost::json::serialize(boost::json::value(it->first.as<std::string>()));
      out += ':';
      out += yaml_to_json(it->second);
    }
    out += '}';
  } else if (n.IsSequence()) {
    out += '[';
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (i) out += ',';
      out += yaml_to_json(n[i]);
    }
    out += ']';
  } else if (n.IsNull()) {
    out += "null";
  } else {
    out += boost::json::serialize(boost::json::value(n.as<std::string>()));
  }
  return out;
}

void YamlReader::readable_file(const YAML::Node& n, const std::string& key, const std::string& path) const {
  // A regular file only: a device or a FIFO named here would hang the load.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) error(n, key, path + " is not a regular file");
  if (!std::ifstream(path).good()) error(n, key, "cannot read " + path);
}

}  // namespace mcpgate::config
