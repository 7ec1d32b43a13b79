// The stdio transport's framing (core/line_splitter.hpp): bytes from a peer, cut into lines
// however the reads happen to split them. Input: a limit (first byte), a seed for the piece
// sizes (second byte), then the stream. The lines and too-long reports must be exactly those of
// splitting the whole stream at once, whatever the pieces.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/line_splitter.hpp"

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Stands for a too-long report; inputs holding \x01 are skipped, so no line can equal it.
constexpr std::string_view kTooLong = "\x01too long";

std::vector<std::string> reference(std::string_view stream, std::size_t max) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto nl = stream.find('\n', start);
    auto line = stream.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    bool complete = nl != std::string_view::npos;
    if (line.size() > max) {
      if (complete) out.emplace_back(kTooLong);  // an unfinished line over the limit is dropped silently
    } else if (!line.empty() && line != "\r") {
      out.emplace_back(line);
    }
    if (!complete) break;
    start = nl + 1;
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::size_t max = 1 + data[0] % 64;
  std::uint32_t seed = data[1] | 1u;
  std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);
  for (char c : stream) {
    if (c == '\x01') return 0;  // keeps the marker unambiguous
  }

  std::vector<std::string> got;
  mcpgate::LineSplitter splitter(max);
  auto on_line = [&](std::string line) {
    check(line.size() <= max);
    check(line.find('\n') == std::string::npos);
    got.push_back(std::move(line));
  };
  auto on_too_long = [&] { got.emplace_back(kTooLong); };
  std::size_t at = 0;
  while (at < stream.size()) {
    seed = seed * 1103515245u + 12345u;
    std::size_t piece = 1 + (seed >> 16) % 97;
    splitter.feed(stream.substr(at, piece), on_line, on_too_long);
    at += piece;
  }
  splitter.finish(on_line);
  check(got == reference(stream, max));
  return 0;
}
