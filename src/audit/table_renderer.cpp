#include "audit/table_renderer.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace mcpgate::audit {

namespace {

const char* colour_of(Verdict v) {
  switch (v) {
    case Verdict::pass:
      return "\033[32m";
    case Verdict::skipped:
      return "\033[2m";
    case Verdict::warn:
      return "\033[33m";
    case Verdict::fail:
      return "\033[31m";
  }
  return "";
}

std::string padded(std::string_view s, std::size_t width) {
  std::string out(s);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

}  // namespace

// A hostile server's text reaches the terminal without control characters: no escape sequences
// to rewrite the report on screen. Well-formed UTF-8 passes (the report's own "…" and "→"); C0,
// DEL, C1 (U+0080-U+009F) and malformed sequences become '?'.
std::string terminal_safe(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    bool control = cp < 0x20 || (cp >= 0x7f && cp < 0xA0);
    out += ok && !control ? std::string(s.substr(i, len)) : std::string("?");
    i += ok ? len : 1;  // a well-formed control character is replaced whole
  }
  return out;
}

void render_table(std::ostream& out, const EndpointReport& report, bool colour) {
  out << "mcpgate audit " << terminal_safe(report.url) << "\n";
  if (!report.reachable) {
    out << "  unreachable: " << terminal_safe(report.error) << "\n";
    return;
  }
  std::size_t width = 0;
  for (auto& f : report.findings) width = std::max(width, f.id.size());
  for (auto& f : report.findings) {
    auto v = padded(to_string(f.verdict), 7);
    if (colour) v = std::string(colour_of(f.verdict)) + v + "\033[0m";
    out << "  " << v << " " << padded(f.id, width) << "  " << terminal_safe(f.summary) << "  [" << f.spec << "]\n";
    if (!f.fix.empty() && (f.verdict == Verdict::warn || f.verdict == Verdict::fail))
      out << "  " << std::string(7, ' ') << " " << std::string(width, ' ') << "  fix: " << terminal_safe(f.fix) << "\n";
  }
  std::size_t counts[4] = {};
  for (auto& f : report.findings) ++counts[static_cast<int>(f.verdict)];
  out << "  " << counts[static_cast<int>(Verdict::pass)] << " pass, " << counts[static_cast<int>(Verdict::warn)]
      << " warn, " << counts[static_cast<int>(Verdict::fail)] << " fail, " << counts[static_cast<int>(Verdict::skipped)]
      << " skipped; " << report.requests << " requests (budget " << report.request_budget
      << (report.budget_exhausted ? ", exhausted: later checks skipped" : "") << ")\n";
}

void render_tables(std::ostream& out, const std::vector<EndpointReport>& reports, bool colour) {
  for (auto& r : reports) {
    render_table(out, r, colour);
    out << "\n";
  }
  out << unauthenticated_summary(reports) << "\n";
}

}  // namespace mcpgate::audit
