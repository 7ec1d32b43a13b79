// The small vocabulary of include/mcpgate/server.hpp that handlers are written with: log levels,
// text content, input requests, the missing-capability error.
#include <array>

#include "mcp/jsonrpc.hpp"
#include "mcpgate/server.hpp"

namespace mcpgate {

namespace code = mcp::code;

// The public names are the library's own codes: a handler's error reads like the library's.
static_assert(error_code::parse_error == code::parse_error);
static_assert(error_code::invalid_request == code::invalid_request);
static_assert(error_code::method_not_found == code::method_not_found);
static_assert(error_code::invalid_params == code::invalid_params);
static_assert(error_code::internal_error == code::internal_error);

namespace {
constexpr std::array<std::string_view, 8> kLevelNames = {"debug", "info",     "notice", "warning",
                                                         "error", "critical", "alert",  "emergency"};
}  // namespace

std::string_view to_string(LogLevel level) {
  return kLevelNames[static_cast<std::size_t>(level)];
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i)
    if (kLevelNames[i] == text) return static_cast<LogLevel>(i);
  return std::nullopt;
}

json::object text_content(std::string_view text) {
  return {{"type", "text"}, {"text", text}};
}

json::object tool_text_result(std::string_view text, bool is_error) {
  json::object r{{"content", json::array{text_content(text)}}};
  if (is_error) r["isError"] = true;
  return r;
}

json::object elicitation_input(std::string_view message, json::object requested_schema) {
  return {{"method", "elicitation/create"},
          {"params", json::object{{"message", message}, {"requestedSchema", std::move(requested_schema)}}}};
}

json::object sampling_input(std::string_view user_text, std::int64_t max_tokens) {
  json::array messages{json::object{{"role", "user"}, {"content", text_content(user_text)}}};
  return {{"method", "sampling/createMessage"},
          {"params", json::object{{"messages", std::move(messages)}, {"maxTokens", max_tokens}}}};
}

json::object roots_input() {
  return {{"method", "roots/list"}, {"params", json::object{}}};
}

RpcError missing_capability_error(json::object required_capabilities) {
  std::string names;
  for (auto& [k, v] : required_capabilities) names += (names.empty() ? "" : ", ") + std::string(k);
  return RpcError{code::missing_capability, "Missing required client capability: " + names,
                  json::object{{"requiredCapabilities", std::move(required_capabilities)}}};
}

bool RequestContext::client_supports(std::string_view capability) const {
  auto* v = client_capabilities().if_contains(capability);
  return v && !v->is_null() && !(v->is_bool() && !v->get_bool());
}

ToolHandler sync_handler(SyncToolHandler fn) {
  return [fn = std::move(fn)](const json::object& arguments, RequestContext& ctx) -> Task<Reply> {
    co_return fn(arguments, ctx);
  };
}
}  // namespace mcpgate
