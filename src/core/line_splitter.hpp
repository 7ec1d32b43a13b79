#pragma once
// Cuts a byte stream that arrives in pieces into newline-delimited lines (the stdio transport's
// framing). A line's trailing '\r' stays with it: the JSON parser takes it as whitespace. Empty
// lines, and lines of a lone '\r', are skipped. A line longer than the limit is dropped whole and
// reported once, at its newline, so that the peer gets one error for it and the memory held for
// a line never exceeds the limit by more than one piece.
//
// Kept out of the transport (which uses coroutines) so that it can be fuzzed on its own.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace mcpgate {

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line) : max_line_(max_line) {}

  // Calls on_line(std::string) for each complete line in `data` and on_too_long() for each line
  // over the limit, in order; keeps the unfinished end for the next piece.
  template <class OnLine, class OnTooLong>
  void feed(std::string_view data, OnLine&& on_line, OnTooLong&& on_too_long) {
    while (!data.empty()) {
      auto nl = data.find('\n');
      if (nl == std::string_view::npos) {
        if (!discarding_) buf_.append(data);
        if (buf_.size() > max_line_) {
          buf_.clear();
          discarding_ = true;
        }
        return;
      }
      if (!discarding_ && buf_.size() + nl > max_line_) {
        buf_.clear();
        discarding_ = true;
      }
      if (discarding_) {
        on_too_long();
      } else {
        buf_.append(data.substr(0, nl));
        if (!buf_.empty() && buf_ != "\r") on_line(std::move(buf_));
      }
      buf_.clear();
      discarding_ = false;
      data.remove_prefix(nl + 1);
    }
  }

  // End of input: a last line without its newline still counts, when within the limit.
  template <class OnLine>
  void finish(OnLine&& on_line) {
    if (!discarding_ && !buf_.empty() && buf_ != "\r") on_line(std::move(buf_));
    buf_.clear();
    discarding_ = false;
  }

 private:
  std::size_t max_line_;
  std::string buf_;
  bool discarding_ = false;  // inside a line that exceeded the limit
};

}  // namespace mcpgate
