#pragma once
// Server-Sent Events (WHATWG HTML §9.2): an incremental parser for what upstreams send us, and
// the writer for what we send to clients.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpgate::net {

struct SseEvent {
  std::string id;
  std::string event;  // empty means "message"
  std::string data;
  std::optional<long> retry_ms;
  bool has_id = false;
};

class SseParser {
 public:
  explicit SseParser(std::size_t max_event_bytes = 4 * 1024 * 1024) : max_event_bytes_(max_event_bytes) {}

  // Feeds bytes as they arrive (any split). Complete events are appended to `out`.
  // Returns false when an event exceeds the size limit; the parser is then unusable.
  bool feed(std::string_view bytes, std::vector<SseEvent>& out);
  const std::string& last_event_id() const { return last_event_id_; }

 private:
  void line(std::string_view l, std::vector<SseEvent>& out);

  std::size_t max_event_bytes_;
  std::string pending_;   // an incomplete line
  bool skip_lf_ = false;  // the previous chunk ended in CR; a leading LF belongs to it
  bool bom_checked_ = false;
  SseEvent current_;
  bool has_data_ = false;
  std::string last_event_id_;
  bool failed_ = false;
};

// One event in wire form. `data` may hold newlines; each line becomes its own data field.
std::string format_sse(std::string_view data, std::string_view id = {}, std::string_view event = {},
                       std::optional<long> retry_ms = std::nullopt);

}  // namespace mcpgate::net
