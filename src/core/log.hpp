#pragma once
// The serving process's operational log: levels, and one line per message in one of two formats.
// `text` is the human-readable "mcpgate: …" line (the default); `json` is one object per line
// (time, level, msg, then string fields such as request_id, endpoint, upstream) for log pipelines.
// Process-wide, because messages come from every layer (listener, key refresher, stdio children);
// thread-safe without a lock: each line is one write(2) on stderr (or the descriptor given).
//
// Not for the command-line tools' messages to the person at the terminal: those stay plain text.
#include <atomic>
#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace mcpgate::log {

enum class Level : int { error = 0, warn = 1, info = 2, debug = 3 };
enum class Format { text, json };

struct Field {
  std::string_view key;
  std::string_view value;
};
using Fields = std::initializer_list<Field>;

std::optional<Level> parse_level(std::string_view name);
std::optional<Format> parse_format(std::string_view name);
std::string_view level_name(Level level);

// Set once at start-up (and again on a reload); a message above `level` costs one atomic load.
void configure(Level level, Format format);
Level level();
Format format();
// Where lines go (stderr by default); for tests.
void set_fd(int fd);

namespace detail {
extern std::atomic<int> threshold;
}
inline bool enabled(Level l) {
  return static_cast<int>(l) <= detail::threshold.load(std::memory_order_relaxed);
}

// What a log line may not carry: a bearer credential or anything shaped like a JWT is replaced by
// "[redacted]". Messages relay text the gateway does not control (a child's stderr, an error a
// library built from a header), so this runs on every message and field value.
std::string redact(std::string_view text);

// The line as written, newline included: exposed so that its format is tested without a clock.
std::string format_line(Format format, Level level, std::string_view msg, Fields fields,
                        std::chrono::system_clock::time_point time);

void write(Level level, std::string_view msg, Fields fields = {});

inline void error(std::string_view msg, Fields fields = {}) {
  if (enabled(Level::error)) write(Level::error, msg, fields);
}
inline void warn(std::string_view msg, Fields fields = {}) {
  if (enabled(Level::warn)) write(Level::warn, msg, fields);
}
inline void info(std::string_view msg, Fields fields = {}) {
  if (enabled(Level::info)) write(Level::info, msg, fields);
}
inline void debug(std::string_view msg, Fields fields = {}) {
  if (enabled(Level::debug)) write(Level::debug, msg, fields);
}

// RFC 3339 in UTC with milliseconds ("2026-12-06T18:27:19.113Z"), as the audit log writes it.
std::string rfc3339_ms(std::chrono::system_clock::time_point t);

}  // namespace mcpgate::log
