#pragma once
// One protocol request of either era, from its parameters to its result: the dispatch to tools
// (tools.cpp), resources (resources.cpp), prompts (prompts.cpp) and completion (completion.cpp),
// and the input rounds a handler may ask for (call.cpp).
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/server/call_context.hpp"
#include "mcp/server/server_impl.hpp"

namespace mcpgate::mcp::server {

using Outcome = std::expected<json::object, RpcError>;

// -32602 invalid params.
Outcome invalid(std::string message, std::optional<json::value> data = std::nullopt);

class Call {
 public:
  Call(McpServer::Impl& server, ProtocolEra era, Session* session, Outlet& outlet, const json::object& params,
       std::string version, const json::object& caps, std::string_view owner = {});

  Task<Outcome> run(std::string_view method);

  CallContext& context() { return ctx_; }

 private:
  Outcome list_tools();
  Task<Outcome> call_tool();
  Task<Outcome> start_task(const std::shared_ptr<const Tool>& tool, const json::object& args);
  Outcome list_resources();
  Outcome list_templates();
  Task<Outcome> read_resource();
  Outcome list_prompts();
  Task<Outcome> get_prompt();
  Task<Outcome> complete();

  std::string_view string_param(std::string_view key) const;
  std::optional<RpcError> take_inputs(std::string_view binding);
  Task<Outcome> with_inputs(std::string binding, const std::function<Task<Reply>()>& invoke);

  McpServer::Impl& server_;
  ProtocolEra era_;
  const json::object& params_;
  std::string_view owner_;
  CallContext ctx_;
};

}  // namespace mcpgate::mcp::server
