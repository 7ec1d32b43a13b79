#pragma once
// The RequestContext of a request being answered: logging and progress go to the request's outlet
// (its SSE stream, or stdout), and in the legacy era the handler may ask the client itself
// (sampling, elicitation, roots) and wait for the answer.
#include <optional>
#include <string>

#include "mcp/server/server_impl.hpp"

namespace mcpgate::mcp::server {

class CallContext final : public RequestContext {
 public:
  CallContext(McpServer::Impl& server, ProtocolEra era, std::string version, const json::object& caps,
              const json::object& meta, Session* session, Outlet& outlet)
      : server_(server),
        era_(era),
        version_(std::move(version)),
        caps_(caps),
        meta_(meta),
        session_(session),
        outlet_(outlet) {}

  ProtocolEra era() const override { return era_; }
  std::string_view protocol_version() const override { return version_; }
  const json::object& client_capabilities() const override { return caps_; }
  const json::object& meta() const override { return meta_; }
  const json::object* input_responses() const override { return inputs_ ? &*inputs_ : nullptr; }
  const json::value* state() const override { return state_ ? &*state_ : nullptr; }

  void set_inputs(std::optional<json::object> inputs, std::optional<json::value> state) {
    inputs_ = std::move(inputs);
    state_ = std::move(state);
  }

  bool should_log(LogLevel level) const override;
  Task<bool> log(LogLevel level, json::value data, std::string_view logger) override;
  Task<bool> progress(double progress, std::optional<double> total, std::string_view message) override;
  Task<std::expected<json::value, RpcError>> request(std::string_view method, json::object params) override;
  Task<void> sleep(std::chrono::milliseconds duration) override;

 private:
  McpServer::Impl& server_;
  ProtocolEra era_;
  std::string version_;
  const json::object& caps_;
  const json::object& meta_;
  Session* session_;
  Outlet& outlet_;
  std::optional<json::object> inputs_;
  std::optional<json::value> state_;
};

}  // namespace mcpgate::mcp::server
