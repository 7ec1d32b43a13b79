#pragma once
// The client's side of a tool's `x-mcp-header` annotations (MCP 2026-07-28 transports, "Custom
// Headers from Tool Parameters", SEP-2243): a tool whose annotations break the rules is left out
// of what the client offers and never called, and a call of a valid one mirrors each annotated
// argument into an `Mcp-Param-<name>` header, encoded as the transport asks.
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mcp/http_headers.hpp"

namespace mcpgate::client {

// Every annotation of a tool's inputSchema is valid (a token name, unique ignoring case, on a
// string, integer or boolean property). A tool without an inputSchema has none and is valid.
bool tool_headers_valid(const boost::json::object& tool);

// The `Mcp-Param-*` headers of one call: each annotated argument present and not null.
std::vector<std::pair<std::string, std::string>> param_headers_for(const std::vector<mcp::ParamHeader>& annotations,
                                                                   const boost::json::object* arguments);

}  // namespace mcpgate::client
