// json_spans on text the strict parser accepted: every member found by its plain key, and every
// item of an array member, lies exactly where the text spells that value (its span parses to the
// same value), and splicing a subset of an array's items gives text that parses to that subset.
// This is what lets the gateway relay an upstream's reply, or a filtered list, as bytes.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/json_spans.hpp"
#include "same_json.hpp"

namespace json = boost::json;

static bool plain(std::string_view key) {
  for (unsigned char c : key)
    if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) return false;
  return true;
}

static json::value reparsed(std::string_view text) {
  auto v = mcpgate::parse_json(text);
  if (!v) std::abort();  // a span that is not one whole value
  return *v;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  mcpgate::JsonLimits limits;
  limits.max_depth = 32;
  auto v = mcpgate::parse_json(in, limits);
  if (!v || !v->is_object()) return 0;
  auto start = in.find_first_not_of(" \t\r\n");
  mcpgate::JsonSpan doc{start, in.size()};
  for (auto& kv : v->get_object()) {
    auto span = mcpgate::json_member_span(in, doc, kv.key());
    auto at = mcpgate::json_member_start(in, start, kv.key());
    if (span.has_value() != at.has_value() || (span && *at != span->begin)) std::abort();
    // A key spelt with escapes is "not found" (the caller then serializes); a text without a
    // backslash spells every key plainly, so every one must be found there.
    if (!span) {
      if (plain(kv.key()) && in.find('\\') == std::string_view::npos) std::abort();
      continue;
    }
    // Skipping the members after this one ends where the document does.
    auto end = mcpgate::json_object_end(in, span->end);
    if (!end || in.find_first_not_of(" \t\r\n", *end) != std::string_view::npos) std::abort();
    auto text = in.substr(span->begin, span->size());
    if (!same_json(reparsed(text), kv.value())) std::abort();
    if (!kv.value().is_array()) continue;
    auto items = mcpgate::json_array_at(in, span->begin);
    auto& array = kv.value().get_array();
    if (!items || items->array != *span || items->items.size() != array.size()) std::abort();
    std::string kept = "[";
    json::array expected;
    for (std::size_t i = 0; i < array.size(); ++i) {
      if (!same_json(reparsed(in.substr(items->items[i].begin, items->items[i].size())), array[i])) std::abort();
      if (i % 2) continue;
      if (kept.size() > 1) kept += ',';
      kept.append(in.substr(items->items[i].begin, items->items[i].size()));
      expected.push_back(array[i]);
    }
    kept += ']';
    auto spliced = mcpgate::apply_json_edits(in, {{*span, kept}});
    auto whole = mcpgate::parse_json(spliced, limits);
    if (!whole || !same_json(whole->get_object().at(kv.key()), json::value(expected))) std::abort();
  }
  return 0;
}
