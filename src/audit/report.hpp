#pragma once
// The report model of `mcpgate audit`: one finding per check, one report per endpoint, and the
// exit status a set of reports maps to (docs/audit.md, "Exit codes").
#include <string>
#include <string_view>
#include <vector>

namespace mcpgate::audit {

// Ordered by severity: worst() takes the maximum. `skipped` means the check could not run (a
// precondition is missing, e.g. no --token): it never raises the exit status.
enum class Verdict { pass, skipped, warn, fail };

std::string_view to_string(Verdict v);

struct Finding {
  std::string id;  // stable, e.g. "prm.resource"; the JSON schema and docs/audit.md list them
  Verdict verdict = Verdict::pass;
  std::string summary;  // what was observed, one line
  std::string spec;     // the section of the specification the check rests on
  std::string fix;      // one line: what to change (empty on pass)
};

struct EndpointReport {
  std::string url;
  bool reachable = true;
  std::string error;              // why the endpoint could not be audited, when !reachable
  bool anonymous_access = false;  // initialize or tools/list answered without a token
  std::vector<Finding> findings;
  unsigned requests = 0;  // HTTP requests sent to the endpoint and its metadata servers
  unsigned request_budget = 0;
  bool budget_exhausted = false;  // some checks were skipped for want of requests
};

// The group of a check id: the part before the first dot ("prm.resource" → "prm").
std::string_view group_of(std::string_view id);

Verdict worst(const EndpointReport& report);

// Exit codes (docs/audit.md): 0 every check passed or was skipped, 1 the worst finding is a
// warning, 2 at least one failure, 3 usage error or an endpoint that could not be reached at all.
inline constexpr int kExitPass = 0;
inline constexpr int kExitWarn = 1;
inline constexpr int kExitFail = 2;
inline constexpr int kExitUnreachable = 3;

int exit_code(const EndpointReport& report);
// The highest of the endpoints' codes.
int exit_code(const std::vector<EndpointReport>& reports);

// "N of M servers accept unauthenticated requests", the summary line of a list audit.
std::string unauthenticated_summary(const std::vector<EndpointReport>& reports);

}  // namespace mcpgate::audit
