#pragma once
// `mcpgate audit URL [--json] [--list FILE] [--token T]`: the authorization posture of MCP
// endpoints, probed from outside with non-destructive requests (docs/audit.md).
#include <CLI/CLI.hpp>

namespace mcpgate::app {

// Registers the subcommand on `app`; when it runs it writes its exit status to `exit_code`.
void add_audit_command(CLI::App& app, int& exit_code);

}  // namespace mcpgate::app
