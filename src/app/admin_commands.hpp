#pragma once
// `mcpgate users|clients|keys …`: administration of the embedded authorization server's store.
#include <CLI/CLI.hpp>

namespace mcpgate::app {

// Registers the users, clients and keys subcommands on `app`. When one of them runs, its result
// (0 on success) is written to `exit_code`; each takes --storage (default
// sqlite:./.mcpgate/as.db).
void add_admin_commands(CLI::App& app, int& exit_code);

}  // namespace mcpgate::app
