#include "policy/canonical_name.hpp"

#include <optional>
#include <vector>

namespace mcpgate::policy {

const char* describe(NameError e) {
  switch (e) {
    case NameError::empty:
      return "empty";
    case NameError::too_long:
      return "too long";
    case NameError::no_scheme:
      return "not an absolute URI (no scheme)";
    case NameError::bad_percent_encoding:
      return "invalid percent-encoding";
    case NameError::encoded_slash:
      return "encoded '/' (%2F)";
    case NameError::encoded_backslash:
      return "encoded '\\' (%5C)";
    case NameError::double_encoding:
      return "double percent-encoding (%25XX)";
    case NameError::nul:
      return "NUL character";
    case NameError::control_character:
      return "control character";
    case NameError::white_space:
      return "white space";
    case NameError::invisible_character:
      return "invisible formatting character";
    case NameError::forbidden_character:
      return "character not allowed in a URI";
    case NameError::invalid_utf8:
      return "invalid UTF-8";
    case NameError::escapes_root:
      return "'..' climbs above the root of the path";
  }
  return "not canonical";
}

namespace {

// One UTF-8 sequence at s[i] (shortest form, no surrogates, at most U+10FFFF); advances i.
std::optional<char32_t> next_code_point(std::string_view s, std::size_t& i) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  std::size_t len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
  if (len == 0 || b0 > 0xF4 || i + len > s.size()) return std::nullopt;
  char32_t cp = b0 & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  i += len;
  return cp;
}

bool in(char32_t c, char32_t lo, char32_t hi) {
  return c >= lo && c <= hi;
}

// Unicode White_Space outside ASCII.
bool is_unicode_space(char32_t c) {
  return c == 0xA0 || c == 0x1680 || in(c, 0x2000, 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// Characters that render as nothing (or reorder what follows): two names that look the same.
bool is_invisible(char32_t c) {
  return c == 0xAD || c == 0x34F || c == 0x61C || c == 0x115F || c == 0x1160 || c == 0x17B4 || c == 0x17B5 ||
         in(c, 0x180B, 0x180F) || in(c, 0x200B, 0x200F) || in(c, 0x202A, 0x202E) || in(c, 0x2060, 0x2064) ||
         in(c, 0x2066, 0x206F) || c == 0x3164 || in(c, 0xFE00, 0xFE0F) || c == 0xFEFF || c == 0xFFA0 ||
         in(c, 0xFFF9, 0xFFFB) || in(c, 0x1D173, 0x1D17A) || in(c, 0xE0000, 0xE007F) || in(c, 0xE0100, 0xE01EF);
}

// Checks every character of a name or URI that is the same for both.
std::optional<NameError> check_characters(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    // ASCII first: names are mostly ASCII, and each list item's name comes through here (the
    // Unicode tables below cost dozens of comparisons per character).
    if (auto a = static_cast<unsigned char>(s[i]); a < 0x80) {
      if (a == 0) return NameError::nul;
      if (a < 0x20 || a == 0x7F) return NameError::control_character;
      if (a == ' ') return NameError::white_space;
      ++i;
      continue;
    }
    auto cp = next_code_point(s, i);
    if (!cp) return NameError::invalid_utf8;
    char32_t c = *cp;
    if (c == 0) return NameError::nul;
    if (c < 0x20 || in(c, 0x7F, 0x9F)) return NameError::control_character;
    if (c == ' ' || is_unicode_space(c)) return NameError::white_space;
    if (is_invisible(c)) return NameError::invisible_character;
  }
  return std::nullopt;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

enum class Part { authority, path, query };

// RFC 3986 §6.2.2.2: decode unreserved, upper-case the hex of the rest.
[[nodiscard]] expected<std::string, NameError> normalize_escapes(std::string_view s, Part part) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return unexpected(NameError::bad_percent_encoding);
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return unexpected(NameError::bad_percent_encoding);
    auto v = static_cast<unsigned char>(hi * 16 + lo);
    if (v == 0) return unexpected(NameError::nul);
    if (v < 0x20 || v == 0x7F) return unexpected(NameError::control_character);
    if (part != Part::query) {
      // A server that decodes before splitting would see another path than the policy judged.
      if (v == '/') return unexpected(NameError::encoded_slash);
      if (v == '\\') return unexpected(NameError::encoded_backslash);
    }
    if (unreserved(v)) {
      out += static_cast<char>(v);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[v >> 4];
      out += kHex[v & 15];
    }
    i += 2;
  }
  if (part != Part::query) {
    // `%25` then two hex digits, in the result (decoding `%35` to `5` can make one): a server that
    // decodes twice reads another character than the policy judged.
    for (std::size_t i = 0; i + 4 < out.size(); ++i)
      if (out.compare(i, 3, "%25") == 0 && hex(out[i + 3]) >= 0 && hex(out[i + 4]) >= 0)
        return unexpected(NameError::double_encoding);
  }
  return out;
}

// RFC 3986 §5.2.4, except that a `..` with nothing left to remove is refused, not dropped.
[[nodiscard]] expected<std::string, NameError> remove_dot_segments(std::string_view path) {
  bool absolute = !path.empty() && path.front() == '/';
  if (absolute) path.remove_prefix(1);
  std::vector<std::string_view> segments;
  for (std::size_t start = 0;;) {
    auto slash = path.find('/', start);
    segments.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    bool last = i + 1 == segments.size();
    if (segments[i] == ".") {
      if (last) out.emplace_back();
      continue;
    }
    if (segments[i] == "..") {
      if (out.empty()) return unexpected(NameError::escapes_root);
      out.pop_back();
      if (last) out.emplace_back();
      continue;
    }
    out.push_back(segments[i]);
  }
  std::string result = absolute ? "/" : "";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i) result += '/';
    result += out[i];
  }
  return result;
}

}  // namespace

expected<std::string, NameError> canonical_uri(std::string_view uri) {
  if (uri.empty()) return unexpected(NameError::empty);
  if (uri.size() > kMaxUriBytes) return unexpected(NameError::too_long);
  if (auto bad = check_characters(uri)) return unexpected(*bad);
  for (char c : uri)
    if (c == '\\' || c == '"' || c == '<' || c == '>' || c == '`') return unexpected(NameError::forbidden_character);

  // scheme ":" hier-part [ "?" query ] [ "#" fragment ]  (RFC 3986 §3)
  auto colon = uri.find(':');
  if (colon == 0 || colon == std::string_view::npos || uri.find_first_of("/?#") < colon)
    return unexpected(NameError::no_scheme);
  std::string out;
  for (std::size_t i = 0; i < colon; ++i) {
    char c = uri[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok) return unexpected(NameError::no_scheme);
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  out += ':';
  auto rest = uri.substr(colon + 1);

  auto hier_end = rest.find_first_of("?#");
  auto hier = rest.substr(0, hier_end);
  auto tail = hier_end == std::string_view::npos ? std::string_view() : rest.substr(hier_end);
  bool has_authority = hier.starts_with("//");
  std::string_view path = hier;
  if (has_authority) {
    auto slash = hier.find('/', 2);
    auto authority = hier.substr(2, slash == std::string_view::npos ? std::string_view::npos : slash - 2);
    path = slash == std::string_view::npos ? std::string_view() : hier.substr(slash);
    auto a = normalize_escapes(authority, Part::authority);
    if (!a) return unexpected(a.error());
    // `res://..` (found by fuzzing): a reader that takes the authority for a path segment climbs.
    if (*a == "." || *a == "..") return unexpected(NameError::escapes_root);
    // §6.2.2.1: the host is case-insensitive; userinfo is not.
    auto at = a->rfind('@');
    for (std::size_t i = at == std::string::npos ? 0 : at + 1; i < a->size(); ++i) {
      if ((*a)[i] == '%') {
        i += 2;  // escapes keep their upper-case hex
        continue;
      }
      if ((*a)[i] >= 'A' && (*a)[i] <= 'Z') (*a)[i] = static_cast<char>((*a)[i] - 'A' + 'a');
    }
    out += "//";
    out += *a;
  }
  auto p = normalize_escapes(path, Part::path);
  if (!p) return unexpected(p.error());
  auto clean = remove_dot_segments(*p);
  if (!clean) return unexpected(clean.error());
  // Without an authority, a path that now starts with "//" would read as one on the next parse.
  if (!has_authority && clean->starts_with("//")) return unexpected(NameError::escapes_root);
  out += *clean;
  if (!tail.empty()) {
    auto t = normalize_escapes(tail, Part::query);
    if (!t) return unexpected(t.error());
    out += *t;
  }
  if (out.size() > kMaxUriBytes) return unexpected(NameError::too_long);
  return out;
}

expected<std::string, NameError> canonical_name(std::string_view name) {
  if (name.empty()) return unexpected(NameError::empty);
  if (name.size() > kMaxNameBytes) return unexpected(NameError::too_long);
  if (auto bad = check_characters(name)) return unexpected(*bad);
  return std::string(name);
}

}  // namespace mcpgate::policy
