#pragma once
// `mcpgate login|tools|call|logout|stdio-proxy`: the MCP client side, for agent developers and
// desktop applications that need to reach a protected MCP server.
#include <CLI/CLI.hpp>

namespace mcpgate::app {

// Registers the client subcommands on `app`; the one that runs writes its exit status to `exit_code`.
void add_client_commands(CLI::App& app, int& exit_code);
// Whether one of them was chosen.
bool client_command_chosen(const CLI::App& app);

}  // namespace mcpgate::app
