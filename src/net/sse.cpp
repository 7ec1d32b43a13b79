#include "net/sse.hpp"

#include <charconv>

namespace mcpgate::net {

bool SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (failed_) return false;
  if (!bom_checked_ && !bytes.empty()) {
    // A UTF-8 BOM may only start the stream; wait until we can see all three bytes.
    std::string_view bom = "\xEF\xBB\xBF";
    std::string head = pending_ + std::string(bytes.substr(0, 3));
    if (head.size() < 3 && bom.starts_with(head)) {
      pending_ = head;
      return true;
    }
    bom_checked_ = true;
    if (head.starts_with(bom)) {
      std::size_t consumed_from_pending = pending_.size();
      pending_.clear();
      bytes.remove_prefix(3 - consumed_from_pending);
    }
  }
  std::size_t start = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') {
        start = i + 1;
        continue;
      }
    }
    if (c == '\n' || c == '\r') {
      if (pending_.empty()) {
        line(bytes.substr(start, i - start), out);
      } else {
        pending_.append(bytes.substr(start, i - start));
        line(pending_, out);
        pending_.clear();
      }
      if (c == '\r') skip_lf_ = true;
      start = i + 1;
      if (failed_) return false;
    }
  }
  pending_.append(bytes.substr(start));
  if (pending_.size() + current_.data.size() > max_event_bytes_) {
    failed_ = true;
    return false;
  }
  return true;
}

void SseParser::line(std::string_view l, std::vector<SseEvent>& out) {
  if (l.empty()) {
    // Dispatch. An event with no data field is not dispatched, but its id still counts.
    if (has_data_) {
      if (!current_.data.empty() && current_.data.back() == '\n') current_.data.pop_back();
      current_.id = last_event_id_;
      out.push_back(std::move(current_));
    }
    current_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (l.front() == ':') return;  // comment (keep-alive)
  std::string_view field = l, value;
  if (auto colon = l.find(':'); colon != std::string_view::npos) {
    field = l.substr(0, colon);
    value = l.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (current_.data.size() + value.size() + 1 > max_event_bytes_) {
      failed_ = true;
      return;
    }
    current_.data.append(value);
    current_.data.push_back('\n');
    has_data_ = true;
  } else if (field == "event") {
    current_.event.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      last_event_id_.assign(value);
      current_.has_id = true;
    }
  } else if (field == "retry") {
    // ASCII digits only: from_chars alone would also take a leading '-'.
    long v = 0;
    bool digits = !value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (digits && ec == std::errc() && p == value.data() + value.size()) current_.retry_ms = v;
  }
}

std::string format_sse(std::string_view data, std::string_view id, std::string_view event,
                       std::optional<long> retry_ms) {
  std::string out;
  out.reserve(data.size() + id.size() + 32);
  if (!id.empty()) {
    out += "id: ";
    out += id;
    out += '\n';
  }
  if (!event.empty()) {
    out += "event: ";
    out += event;
    out += '\n';
  }
  if (retry_ms) {
    out += "retry: ";
    out += std::to_string(*retry_ms);
    out += '\n';
  }
  // CR and CRLF end a line in an event stream as LF does: splitting on LF alone would let a CR
  // in `data` start a field of its own (an injected `id:` or `event:`).
  std::size_t start = 0;
  for (;;) {
    auto nl = data.find_first_of("\r\n", start);
    out += "data: ";
    out += data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
    if (data[nl] == '\r' && start < data.size() && data[start] == '\n') ++start;
  }
  out += '\n';
  return out;
}

}  // namespace mcpgate::net
