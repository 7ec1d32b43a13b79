#pragma once
// The human-readable report: one line per check (verdict, id, what was seen, the spec section),
// the fix under each warning and failure, a closing line per endpoint. Colour only when asked
// (the command asks when stdout is a terminal).
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "audit/report.hpp"

namespace mcpgate::audit {

// `s` with control characters (C0, DEL, C1) and malformed UTF-8 replaced by '?': what a hostile
// server wrote cannot move the cursor or recolour the report.
std::string terminal_safe(std::string_view s);

void render_table(std::ostream& out, const EndpointReport& report, bool colour);
// Several endpoints: each one's table, then the summary line.
void render_tables(std::ostream& out, const std::vector<EndpointReport>& reports, bool colour);

}  // namespace mcpgate::audit
