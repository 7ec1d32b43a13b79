#pragma once
// The "everything" fixture: the tools, resources and prompts the MCP conformance suite's server
// scenarios call, for both protocol eras.
#include "mcpgate/server.hpp"

namespace mcpgate::examples {

void register_everything(McpServer& server);
// The tasks extension's tools (task_tools.cpp); register_everything adds them.
void register_task_tools(McpServer& server);

}  // namespace mcpgate::examples
