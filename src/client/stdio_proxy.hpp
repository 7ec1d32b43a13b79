#pragma once
// `mcpgate stdio-proxy URL`: a local stdio MCP server (newline-delimited JSON-RPC on standard
// input and output) that forwards every message to a remote Streamable HTTP endpoint through an
// McpConnection, signing in when the endpoint asks, so that a desktop client that only launches
// stdio servers can use a protected one. Standard output carries MCP only; diagnostics and the
// sign-in URL go to standard error.
#include <istream>
#include <ostream>

#include "client/mcp_connection.hpp"

namespace mcpgate::client {

// Runs until standard input ends and every message in flight is answered. Each message is sent
// on its own thread (at most `max_in_flight` at once), so a long tool call does not hold up a
// ping or a cancellation. Returns the exit status.
int run_stdio_proxy(McpConnection& connection, std::istream& in, std::ostream& out, int max_in_flight = 32);

}  // namespace mcpgate::client
