#pragma once
// Tools run as tasks (2026-07-28 extension io.modelcontextprotocol/tasks, SEP-2663): creating a
// task from a tools/call, running its handler in the background, and tasks/get, tasks/update and
// tasks/cancel. The v1 methods tasks/result and tasks/list do not exist in this extension.
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/http_headers.hpp"  // is_task_method
#include "mcp/protocol.hpp"      // kTasksExtension
#include "mcp/server/task_store.hpp"
#include "mcpgate/server.hpp"
#include "net/asio.hpp"

namespace mcpgate::mcp::server {

using mcp::kTasksExtension;

// True when these client capabilities declare the extension (`extensions[kTasksExtension]`).
bool declares_tasks(const json::object& client_capabilities);
// -32021 naming the extension, for a client that did not declare it.
RpcError tasks_extension_required();

// What a task needs from the tools/call that creates it: copies, since the task outlives it.
struct TaskLaunch {
  std::shared_ptr<const Tool> tool;
  json::object arguments;
  std::string protocol_version;
  json::object client_capabilities;
  json::object meta;
  std::optional<json::object> input_responses;
  std::optional<json::value> state;
  std::string owner;
};

}  // namespace mcpgate::mcp::server

namespace mcpgate::mcp::server::tasks {

// Creates the task (it is readable through tasks/get before this returns), starts its handler
// on a strand of `executor`, and answers the CreateTaskResult; -32603 when the store is full.
[[nodiscard]] std::expected<json::object, RpcError> start(McpServer::Impl& server, net::asio::any_io_executor executor,
                                                          TaskLaunch launch);

// tasks/get, tasks/update or tasks/cancel from `owner` whose request declared these capabilities.
[[nodiscard]] std::expected<json::object, RpcError> handle(McpServer::Impl& server, std::string_view method,
                                                           const json::object& params,
                                                           const json::object& client_capabilities,
                                                           std::string_view owner);

}  // namespace mcpgate::mcp::server::tasks
