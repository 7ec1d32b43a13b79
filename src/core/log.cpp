#include "core/log.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "core/ascii.hpp"

namespace mcpgate::log {

namespace detail {
std::atomic<int> threshold{static_cast<int>(Level::info)};
}

namespace {

std::atomic<Format> g_format{Format::text};
std::atomic<int> g_fd{2};

// RFC 6750 §2.1 b64token characters, and what base64url segments of a JWS (RFC 7515 §7.1) use.
bool token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}
bool b64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool iequals_prefix(std::string_view text, std::size_t at, std::string_view word) {
  if (text.size() - at < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (ascii_lower(text[at + i]) != word[i]) return false;
  return true;
}

// Length of a JWT-shaped run at `at` ("eyJ…" then at least one more dot-separated segment), or 0.
std::size_t jwt_length(std::string_view text, std::size_t at) {
  if (text.compare(at, 3, "eyJ") != 0) return 0;
  std::size_t i = at, dots = 0;
  while (i < text.size() && (b64url_char(text[i]) || text[i] == '.')) dots += text[i++] == '.';
  return dots >= 1 ? i - at : 0;
}

// Appends `s` as the inside of a JSON string: quotes, backslashes and every control character
// escaped, so that a message cannot end its line or forge a field (log injection); bytes that are
// not UTF-8 become U+FFFD, so that every line parses.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
      bool ok = n > 0 && c < 0xf5 && i + n <= s.size();
      for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
      if (ok && n == 3) {
        auto c1 = static_cast<unsigned char>(s[i + 1]);
        ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);  // overlong, surrogates
      }
      if (ok && n == 4) {
        auto c1 = static_cast<unsigned char>(s[i + 1]);
        ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
      }
      if (ok) {
        out.append(s.substr(i, n));
        i += n;
      } else {
        out += "\\ufffd";
        ++i;
      }
    }
  }
  out += '"';
}

// The text format keeps a line a line and a terminal a terminal: control characters (a child's
// colour codes, or an escape sequence meant to rewrite what the operator sees) are shown as \xNN.
void append_text(std::string& out, std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
}

}  // namespace

std::optional<Level> parse_level(std::string_view name) {
  if (name == "error") return Level::error;
  if (name == "warn" || name == "warning") return Level::warn;
  if (name == "info") return Level::info;
  if (name == "debug") return Level::debug;
  return std::nullopt;
}

std::optional<Format> parse_format(std::string_view name) {
  if (name == "text") return Format::text;
  if (name == "json") return Format::json;
  return std::nullopt;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::error:
      return "error";
    case Level::warn:
      return "warn";
    case Level::info:
      return "info";
    case Level::debug:
      return "debug";
  }
  return "info";
}

void configure(Level level, Format format) {
  detail::threshold.store(static_cast<int>(level), std::memory_order_relaxed);
  g_format.store(format, std::memory_order_relaxed);
}

Level level() {
  return static_cast<Level>(detail::threshold.load(std::memory_order_relaxed));
}
Format format() {
  return g_format.load(std::memory_order_relaxed);
}
void set_fd(int fd) {
  g_fd.store(fd, std::memory_order_relaxed);
}

std::string redact(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    // "Bearer xyz", "DPoP xyz", "Basic xyz": an Authorization value quoted by some error message.
    bool word_start = i == 0 || !token_char(text[i - 1]);
    std::size_t scheme = 0;
    if (word_start) {
      for (std::string_view s : {"bearer ", "dpop ", "basic "})
        if (iequals_prefix(text, i, s)) scheme = s.size();
    }
    if (scheme) {
      std::size_t j = i + scheme;
      while (j < text.size() && text[j] == ' ') ++j;
      std::size_t k = j;
      while (k < text.size() && token_char(text[k])) ++k;
      if (k - j >= 8) {  // a credential, not the word "bearer" in a sentence
        out.append(text.substr(i, scheme));
        out += "[redacted]";
        i = k;
        continue;
      }
    }
    // A JWT begins wherever a base64url run begins ("token=eyJ…", "[eyJ…]").
    if (i == 0 || !(b64url_char(text[i - 1]) || text[i - 1] == '.')) {
      if (auto n = jwt_length(text, i)) {
        out += "[redacted]";
        i += n;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

std::string rfc3339_ms(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int the compiler can imagine, not only real dates
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string format_line(Format format, Level level, std::string_view msg, Fields fields,
                        std::chrono::system_clock::time_point time) {
  std::string line;
  line.reserve(96 + msg.size());
  if (format == Format::json) {
    line += "{\"time\":\"";
    line += rfc3339_ms(time);
    line += "\",\"level\":\"";
    line += level_name(level);
    line += "\",\"msg\":";
    append_json_string(line, redact(msg));
    for (auto& f : fields) {
      // The three fixed keys cannot be overridden by a field.
      if (f.key == "time" || f.key == "level" || f.key == "msg") continue;
      line += ',';
      append_json_string(line, f.key);
      line += ':';
      append_json_string(line, redact(f.value));
    }
    line += "}\n";
    return line;
  }
  // Today's human-readable line: "mcpgate: msg", or "[upstream] msg" for what concerns one
  // upstream (a stdio child's stderr, its lifecycle); other fields follow as key=value.
  std::string_view upstream;
  for (auto& f : fields)
    if (f.key == "upstream") upstream = f.value;
  if (upstream.empty()) {
    line += "mcpgate: ";
  } else {
    line += '[';
    append_text(line, upstream);
    line += "] ";
  }
  append_text(line, redact(msg));
  for (auto& f : fields) {
    if (f.key == "upstream") continue;
    line += ' ';
    append_text(line, f.key);
    line += '=';
    append_text(line, redact(f.value));
  }
  line += '\n';
  return line;
}

void write(Level level, std::string_view msg, Fields fields) {
  if (!enabled(level)) return;
  auto line = format_line(format(), level, msg, fields, std::chrono::system_clock::now());
  // One write(2) per line, so that lines from different threads never interleave; a short write
  // is not retried (rare, and the next line still starts on its own).
  [[maybe_unused]] auto n = ::write(g_fd.load(std::memory_order_relaxed), line.data(), line.size());
}

}  // namespace mcpgate::log
