#include "core/json_spans.hpp"

#include <cstring>

namespace mcpgate {
namespace {

constexpr std::size_t kNone = std::string_view::npos;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::size_t skip_space(std::string_view t, std::size_t i) {
  while (i < t.size() && is_space(t[i])) ++i;
  return i;
}

// `i` at the opening quote; the offset just past the closing quote. Strings hold most of the bytes
// of a large reply (names, descriptions): memchr finds the candidates, and a quote counts as the
// end when an even number of backslashes precedes it.
std::size_t skip_string(std::string_view t, std::size_t i) {
  std::size_t from = i + 1;
  while (from < t.size()) {
    auto* q = static_cast<const char*>(std::memchr(t.data() + from, '"', t.size() - from));
    if (!q) return kNone;
    std::size_t j = static_cast<std::size_t>(q - t.data());
    std::size_t k = j;
    while (k > from && t[k - 1] == '\\') --k;
    if ((j - k) % 2 == 0) return j + 1;
    from = j + 1;
  }
  return kNone;
}

// `i` at the first character of a value; the offset just past it.
std::size_t skip_value(std::string_view t, std::size_t i) {
  if (i >= t.size()) return kNone;
  char c = t[i];
  if (c == '"') return skip_string(t, i);
  if (c == '{' || c == '[') {
    std::size_t depth = 0;
    while (i < t.size()) {
      char d = t[i];
      if (d == '"') {
        i = skip_string(t, i);
        if (i == kNone) return kNone;
        continue;
      }
      if (d == '{' || d == '[') ++depth;
      if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return kNone;
  }
  // A number or a literal: up to the next delimiter.
  std::size_t j = i;
  while (j < t.size() && !is_space(t[j]) && t[j] != ',' && t[j] != '}' && t[j] != ']') ++j;
  return j == i ? kNone : j;
}

// Whether a key as written (`raw`, between its quotes) is `key`: only when written without
// escapes. `"\n"` in the text is a newline, not the two characters backslash and n, so a key
// that holds a backslash is never found by its bytes (found by fuzz_json_spans).
bool spells(std::string_view raw, std::string_view key) {
  return raw == key && raw.find('\\') == std::string_view::npos;
}

}  // namespace

std::optional<JsonSpan> json_document_span(std::string_view text) {
  auto b = skip_space(text, 0);
  auto e = skip_value(text, b);
  if (e == kNone || skip_space(text, e) != text.size()) return std::nullopt;
  return JsonSpan{b, e};
}

std::optional<JsonSpan> json_member_span(std::string_view text, JsonSpan object, std::string_view key) {
  if (object.end > text.size() || object.size() < 2 || text[object.begin] != '{') return std::nullopt;
  auto i = skip_space(text, object.begin + 1);
  if (i < object.end && text[i] == '}') return std::nullopt;
  while (i < object.end && text[i] == '"') {
    auto key_end = skip_string(text, i);
    if (key_end == kNone || key_end > object.end) return std::nullopt;
    auto raw = text.substr(i + 1, key_end - i - 2);
    i = skip_space(text, key_end);
    if (i >= object.end || text[i] != ':') return std::nullopt;
    i = skip_space(text, i + 1);
    auto value_end = skip_value(text, i);
    if (value_end == kNone || value_end > object.end) return std::nullopt;
    if (spells(raw, key)) return JsonSpan{i, value_end};
    i = skip_space(text, value_end);
    if (i >= object.end || text[i] != ',') return std::nullopt;
    i = skip_space(text, i + 1);
  }
  return std::nullopt;
}

std::optional<std::size_t> json_member_start(std::string_view text, std::size_t object, std::string_view key) {
  if (object >= text.size() || text[object] != '{') return std::nullopt;
  auto i = skip_space(text, object + 1);
  while (i < text.size() && text[i] == '"') {
    auto key_end = skip_string(text, i);
    if (key_end == kNone) return std::nullopt;
    auto raw = text.substr(i + 1, key_end - i - 2);
    i = skip_space(text, key_end);
    if (i >= text.size() || text[i] != ':') return std::nullopt;
    i = skip_space(text, i + 1);
    if (spells(raw, key)) return i < text.size() ? std::optional(i) : std::nullopt;
    auto value_end = skip_value(text, i);
    if (value_end == kNone) return std::nullopt;
    i = skip_space(text, value_end);
    if (i >= text.size() || text[i] != ',') return std::nullopt;
    i = skip_space(text, i + 1);
  }
  return std::nullopt;
}

std::optional<JsonArraySpans> json_array_at(std::string_view text, std::size_t array) {
  if (array >= text.size() || text[array] != '[') return std::nullopt;
  JsonArraySpans out;
  auto i = skip_space(text, array + 1);
  if (i < text.size() && text[i] == ']') {
    out.array = {array, i + 1};
    return out;
  }
  while (i < text.size()) {
    auto e = skip_value(text, i);
    if (e == kNone) return std::nullopt;
    out.items.push_back({i, e});
    i = skip_space(text, e);
    if (i >= text.size()) return std::nullopt;
    if (text[i] == ']') {
      out.array = {array, i + 1};
      return out;
    }
    if (text[i] != ',') return std::nullopt;
    i = skip_space(text, i + 1);
  }
  return std::nullopt;
}

std::optional<std::vector<JsonSpan>> json_item_spans(std::string_view text, JsonSpan array) {
  if (array.end > text.size() || array.size() < 2 || text[array.begin] != '[') return std::nullopt;
  std::vector<JsonSpan> items;
  auto i = skip_space(text, array.begin + 1);
  if (i < array.end && text[i] == ']') return items;
  while (i < array.end) {
    auto e = skip_value(text, i);
    if (e == kNone || e > array.end) return std::nullopt;
    items.push_back({i, e});
    i = skip_space(text, e);
    if (i >= array.end) return std::nullopt;
    if (text[i] == ']') return i + 1 == array.end ? std::optional(std::move(items)) : std::nullopt;
    if (text[i] != ',') return std::nullopt;
    i = skip_space(text, i + 1);
  }
  return std::nullopt;
}

std::optional<std::size_t> json_object_end(std::string_view text, std::size_t at) {
  auto i = skip_space(text, at);
  while (i < text.size() && text[i] == ',') {
    i = skip_space(text, i + 1);
    if (i >= text.size() || text[i] != '"') return std::nullopt;
    i = skip_string(text, i);
    if (i == kNone) return std::nullopt;
    i = skip_space(text, i);
    if (i >= text.size() || text[i] != ':') return std::nullopt;
    i = skip_value(text, skip_space(text, i + 1));
    if (i == kNone) return std::nullopt;
    i = skip_space(text, i);
  }
  if (i >= text.size() || text[i] != '}') return std::nullopt;
  return i + 1;
}

std::string apply_json_edits(std::string_view text, const std::vector<JsonEdit>& edits) {
  std::size_t size = text.size();
  for (auto& e : edits) size = size - e.span.size() + e.replacement.size();
  std::string out;
  out.reserve(size);
  std::size_t at = 0;
  for (auto& e : edits) {
    out.append(text.substr(at, e.span.begin - at));
    out.append(e.replacement);
    at = e.span.end;
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace mcpgate
