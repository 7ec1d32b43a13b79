// parse_json_skeleton against parse_json on the same text: the same texts accepted and refused
// (a skeleton that accepted a duplicate key or a malformed item the full parse refuses would let
// the gateway judge one thing and relay another), and, when accepted, the skeleton is the full
// document with the list's items reduced to their judged member (item i stays item i).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/json.hpp"
#include "same_json.hpp"

namespace json = boost::json;

static json::value reduced(json::value v, const mcpgate::JsonSkeletonPath& p) {
  if (!v.is_object()) return v;
  auto* m = v.get_object().if_contains(p.member);
  if (!m || !m->is_object()) return v;
  auto* l = m->get_object().if_contains(p.list);
  if (!l || !l->is_array()) return v;
  for (auto& item : l->get_array()) {
    if (!item.is_object()) {
      item = nullptr;
      continue;
    }
    json::object keep;
    if (auto* k = item.get_object().if_contains(p.keep); k && k->is_string()) keep[p.keep] = *k;
    item = std::move(keep);
  }
  return v;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const mcpgate::JsonSkeletonPath kPaths[] = {
      {"result", "tools", "name"}, {"result", "resources", "uri"}, {"a", "b", "c"}};
  std::string_view in(reinterpret_cast<const char*>(data), size);
  mcpgate::JsonLimits limits;
  limits.max_depth = 32;
  auto full = mcpgate::parse_json(in, limits);
  for (auto& path : kPaths) {
    auto sk = mcpgate::parse_json_skeleton(in, path, limits);
    if (full.has_value() != sk.has_value()) std::abort();
    if (!full) {
      if (full.error().message != sk.error().message) std::abort();
      continue;
    }
    if (!same_json(*sk, reduced(*full, path))) std::abort();
  }
  return 0;
}
