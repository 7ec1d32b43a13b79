#include "audit/report.hpp"

#include <algorithm>

namespace mcpgate::audit {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::pass:
      return "pass";
    case Verdict::skipped:
      return "skipped";
    case Verdict::warn:
      return "warn";
    case Verdict::fail:
      return "fail";
  }
  return "fail";
}

std::string_view group_of(std::string_view id) {
  return id.substr(0, id.find('.'));
}

Verdict worst(const EndpointReport& report) {
  Verdict w = Verdict::pass;
  for (auto& f : report.findings) w = std::max(w, f.verdict);
  return w;
}

int exit_code(const EndpointReport& report) {
  if (!report.reachable) return kExitUnreachable;
  switch (worst(report)) {
    case Verdict::pass:
    case Verdict::skipped:
      return kExitPass;
    case Verdict::warn:
      return kExitWarn;
    case Verdict::fail:
      return kExitFail;
  }
  return kExitFail;
}

int exit_code(const std::vector<EndpointReport>& reports) {
  int code = kExitPass;
  for (auto& r : reports) code = std::max(code, exit_code(r));
  return code;
}

std::string unauthenticated_summary(const std::vector<EndpointReport>& reports) {
  auto n = std::count_if(reports.begin(), reports.end(), [](auto& r) { return r.anonymous_access; });
  auto unreachable = std::count_if(reports.begin(), reports.end(), [](auto& r) { return !r.reachable; });
  std::string out =
      std::to_string(n) + " of " + std::to_string(reports.size()) + " servers accept unauthenticated requests";
  if (unreachable) out += " (" + std::to_string(unreachable) + " unreachable)";
  return out;
}

}  // namespace mcpgate::audit
