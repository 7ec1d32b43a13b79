// Protected Resource Metadata (RFC 9728 §2, §3.1). The gateway serves PRM and never parses one, so
// this target checks the document as a client will parse it: whatever the configured values,
// to_json() is strict JSON (our own parser: no duplicate keys, valid UTF-8) that reads back to the
// same fields, and the well-known path stays under /.well-known/oauth-protected-resource.
// Input: resource, authorization servers, scopes, name, documentation URL, one per line (lists
// space-separated); a missing line is an absent optional field.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "oauth/protected_resource_metadata.hpp"

namespace {
namespace json = boost::json;
using namespace mcpgate::oauth;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// RFC 3629 well-formedness: what a strict JSON reader accepts inside a string.
bool valid_utf8(std::string_view s) {
  static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = c;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= s.size()) {
    auto sp = s.find(' ', i);
    if (sp == std::string_view::npos) sp = s.size();
    if (sp > i) out.emplace_back(s.substr(i, sp - i));
    i = sp + 1;
  }
  return out;
}

std::vector<std::string> strings(const json::value& v) {
  std::vector<std::string> out;
  for (auto& x : v.as_array()) out.emplace_back(x.as_string());
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  for (std::size_t i = 0; i <= in.size() && lines.size() < 5;) {
    auto nl = in.find('\n', i);
    if (nl == std::string_view::npos) nl = in.size();
    lines.push_back(in.substr(i, nl - i));
    i = nl + 1;
  }
  ProtectedResourceMetadata prm;
  prm.resource = std::string(lines[0]);
  if (lines.size() > 1) prm.authorization_servers = split(lines[1]);
  if (lines.size() > 2) prm.scopes_supported = split(lines[2]);
  if (lines.size() > 3) prm.resource_name = std::string(lines[3]);
  if (lines.size() > 4) prm.resource_documentation = std::string(lines[4]);

  auto doc = mcpgate::parse_json(to_json(prm));
  if (valid_utf8(in)) {
    check(doc.has_value() && doc->is_object());
    auto& o = doc->get_object();
    check(o.at("resource").as_string() == prm.resource);
    check(strings(o.at("authorization_servers")) == prm.authorization_servers);
    check(strings(o.at("scopes_supported")) == prm.scopes_supported);
    check(strings(o.at("bearer_methods_supported")) == std::vector<std::string>{"header"});
    check(o.contains("resource_name") == prm.resource_name.has_value());
    if (prm.resource_name) check(o.at("resource_name").as_string() == *prm.resource_name);
    if (prm.resource_documentation) check(o.at("resource_documentation").as_string() == *prm.resource_documentation);
  }

  // RFC 9728 §3.1: the well-known suffix goes between host and path, never anywhere else.
  constexpr std::string_view kWellKnown = "/.well-known/oauth-protected-resource";
  auto path = prm_well_known_path(lines[0]);
  check(path.starts_with(kWellKnown));
  check(path.size() == kWellKnown.size() || path[kWellKnown.size()] == '/');
  check(path == kWellKnown || path.back() != '/');
  auto url = prm_url(lines.size() > 1 ? lines[1] : "https://mcp.example.com", lines[0]);
  check(url.ends_with(path));
  return 0;
}
