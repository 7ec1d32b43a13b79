#pragma once
// Where the values of a JSON text lie in that text, so that the gateway can relay an upstream's
// reply (or the items of a list it keeps) as the upstream wrote them instead of re-serializing
// the parsed document. Only for text that parse_json() (core/json.hpp) has accepted: the scanner
// trusts that the text is valid and has no duplicate keys, which is what makes a member found by
// its unescaped spelling the only member of that name. On anything unexpected it answers "not
// found" (never a wrong span), and callers then fall back to serializing the parsed value.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpgate {

// [begin, end) byte offsets of one value in the text.
struct JsonSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t size() const { return end - begin; }
  friend bool operator==(const JsonSpan&, const JsonSpan&) = default;
};

// The whole document, without surrounding whitespace.
[[nodiscard]] std::optional<JsonSpan> json_document_span(std::string_view text);

// The value of member `key` of the object at `object` (a span starting at '{'). Found only when
// the text spells the key without escapes; a key written with escapes ("\u0069d") is "not found"
// (it cannot also be present unescaped: that would be a duplicate key, refused by the parser).
[[nodiscard]] std::optional<JsonSpan> json_member_span(std::string_view text, JsonSpan object, std::string_view key);

// Every item of the array at `array` (a span starting at '['), in order.
[[nodiscard]] std::optional<std::vector<JsonSpan>> json_item_spans(std::string_view text, JsonSpan array);

// The same two questions for a large document, each answered without scanning what follows:
// where the value of member `key` of the object starting at `object` begins (the members before it
// are skipped, the value itself is not), and the items of the array starting at `array` together
// with where it ends. One pass over a list of thousands of items instead of three.
[[nodiscard]] std::optional<std::size_t> json_member_start(std::string_view text, std::size_t object,
                                                           std::string_view key);
struct JsonArraySpans {
  JsonSpan array;
  std::vector<JsonSpan> items;
};
[[nodiscard]] std::optional<JsonArraySpans> json_array_at(std::string_view text, std::size_t array);

// Where the object closes, given `at`, just past the value of one of its members: the members
// after it are skipped (the offset just past the closing '}').
[[nodiscard]] std::optional<std::size_t> json_object_end(std::string_view text, std::size_t at);

// One replacement of a span of the text.
struct JsonEdit {
  JsonSpan span;  // an empty span inserts at span.begin
  std::string replacement;
};

// `text` with `edits` applied; the edits must not overlap and must be ordered by position.
[[nodiscard]] std::string apply_json_edits(std::string_view text, const std::vector<JsonEdit>& edits);

}  // namespace mcpgate
