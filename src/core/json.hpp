#pragma once
// The one JSON parser for untrusted input: MCP messages, JWS headers and claims, JWKS, metadata
// documents, token responses.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mcpgate {
namespace json = boost::json;

struct JsonLimits {
  std::size_t max_depth = 64;
  std::size_t max_bytes = 4 * 1024 * 1024;
};

// Strict RFC 8259: no comments, no trailing commas, valid UTF-8 and no duplicate object keys.
// Duplicate keys matter for security: if the gateway read the first "name" and the upstream the
// last, a policy decision would be made about a different tool than the one that runs.
[[nodiscard]] Result<json::value> parse_json(std::string_view text, const JsonLimits& limits = {});
// The same, the document built in `storage` (e.g. one monotonic buffer for a large reply, freed at
// once rather than node by node; anything copied out of it keeps that buffer alive).
[[nodiscard]] Result<json::value> parse_json(std::string_view text, const JsonLimits& limits,
                                             json::storage_ptr storage);

// The same parse (the same texts accepted and refused), for a large list reply whose items are
// judged by one member each: the items of the array `list` of the object `member` of the document
// (result.tools) are not built; each becomes an object holding only its member `keep` when that
// is a string ({"name":"x"}), an empty object when it has none, or null when it is not an object.
// Item i of the skeleton is item i of the text, so the caller can judge the skeleton and splice
// the text; whoever needs the items whole parses the text again with parse_json.
struct JsonSkeletonPath {
  std::string_view member;  // "result"
  std::string_view list;    // "tools"
  std::string_view keep;    // "name"
};
[[nodiscard]] Result<json::value> parse_json_skeleton(std::string_view text, const JsonSkeletonPath& path,
                                                      const JsonLimits& limits = {}, json::storage_ptr storage = {});

// Named apart from boost::json::serialize: an unqualified call with a json::value would find both
// (the other through argument-dependent lookup) and be ambiguous.
std::string serialize_json(const json::value& v);
// Objects and arrays directly: through the overload above they were first copied whole into a
// temporary json::value (a deep copy of every reply the gateway relays).
std::string serialize_json(const json::object& o);
std::string serialize_json(const json::array& a);

}  // namespace mcpgate
