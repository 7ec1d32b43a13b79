#include "audit/table_renderer.hpp"

#include <algorithm>
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

// A hostile server's text reaches the terminal only as printable ASCII: no escape sequences.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  return out;
}

}  // namespace

void render_table(std::ostream& out, const EndpointReport& report, bool colour) {
  out << "mcpgate audit " << printable(report.url) << "\n";
  if (!report.reachable) {
    out << "  unreachable: " << printable(report.error) << "\n";
    return;
  }
  std::size_t width = 0;
  for (auto& f : report.findings) width = std::max(width, f.id.size());
  for (auto& f : report.findings) {
    auto v = padded(to_string(f.verdict), 7);
    if (colour) v = std::string(colour_of(f.verdict)) + v + "\033[0m";
    out << "  " << v << " " << padded(f.id, width) << "  " << printable(f.summary) << "  [" << f.spec << "]\n";
    if (!f.fix.empty() && (f.verdict == Verdict::warn || f.verdict == Verdict::fail))
      out << "  " << std::string(7, ' ') << " " << std::string(width, ' ') << "  fix: " << printable(f.fix) << "\n";
  }
  std::size_t counts[4] = {};
  for (auto& f : report.findings) ++counts[static_cast<int>(f.verdict)];
  out << "  " << counts[static_cast<int>(Verdict::pass)] << " pass, " << counts[static_cast<int>(Verdict::warn)]
      << " warn, " << counts[static_cast<int>(Verdict::fail)] << " fail, " << counts[static_cast<int>(Verdict::skipped)]
      << " skipped; " << report.requests << " requests (budget " << report.request_budget << ")\n";
}

void render_tables(std::ostream& out, const std::vector<EndpointReport>& reports, bool colour) {
  for (auto& r : reports) {
    render_table(out, r, colour);
    out << "\n";
  }
  out << unauthenticated_summary(reports) << "\n";
}

}  // namespace mcpgate::audit
