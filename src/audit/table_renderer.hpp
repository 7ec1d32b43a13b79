#pragma once
// The human-readable report: one line per check (verdict, id, what was seen, the spec section),
// the fix under each warning and failure, a closing line per endpoint. Colour only when asked
// (the command asks when stdout is a terminal).
#include <ostream>
#include <vector>

#include "audit/report.hpp"

namespace mcpgate::audit {

void render_table(std::ostream& out, const EndpointReport& report, bool colour);
// Several endpoints: each one's table, then the summary line.
void render_tables(std::ostream& out, const std::vector<EndpointReport>& reports, bool colour);

}  // namespace mcpgate::audit
