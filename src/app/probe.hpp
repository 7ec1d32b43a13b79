#pragma once
// `mcpgate check-config --probe`: fetch every configured key source and reach every HTTP
// upstream once, with the same client and TLS settings the gateway uses, and say what works.
#include <ostream>

#include "config/gateway_config.hpp"

namespace mcpgate::app {

// One line per target: "ok   <what> <url>: <detail>" or "FAIL <what> <url>: <reason>", where a
// TLS reason is one of "unknown certificate authority", "certificate name mismatch",
// "certificate expired", "certificate not yet valid", "certificate invalid", "TLS handshake
// failed". Returns the number of failures.
int probe_targets(const config::Gateway& gateway, std::ostream& out);

}  // namespace mcpgate::app
