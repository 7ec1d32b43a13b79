#include "mcp/server/call_context.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <cmath>

namespace mcpgate::mcp::server {

namespace asio = net::asio;

namespace {
// Numbers that happen to be whole go out as integers: `0` rather than `0E0`.
json::value number(double d) {
  if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15) return static_cast<std::int64_t>(d);
  return d;
}
}  // namespace

std::string_view capability_for(std::string_view method) {
  if (method == "sampling/createMessage") return "sampling";
  if (method == "elicitation/create") return "elicitation";
  if (method == "roots/list") return "roots";
  return {};
}

bool CallContext::should_log(LogLevel level) const {
  if (era_ == ProtocolEra::legacy) return session_ && static_cast<int>(level) >= session_->log_level.load();
  // 2026-07-28: no logging/setLevel; the client asks per request, and silence is the default.
  auto* l = meta_.if_contains("io.modelcontextprotocol/logLevel");
  if (!l || !l->is_string()) return false;
  auto min = parse_log_level(l->get_string());
  return min && level >= *min;
}

Task<bool> CallContext::log(LogLevel level, json::value data, std::string_view logger) {
  if (!should_log(level)) co_return true;
  json::object params{{"level", to_string(level)}, {"data", std::move(data)}};
  if (!logger.empty()) params["logger"] = logger;
  co_return co_await outlet_.send(make_notification("notifications/message", std::move(params)));
}

Task<bool> CallContext::progress(double progress, std::optional<double> total, std::string_view message) {
  auto* token = meta_.if_contains("progressToken");
  if (!token || !(token->is_string() || token->is_number())) co_return true;
  json::object params{{"progressToken", *token}, {"progress", number(progress)}};
  if (total) params["total"] = number(*total);
  if (!message.empty()) params["message"] = message;
  co_return co_await outlet_.send(make_notification("notifications/progress", std::move(params)));
}

Task<std::expected<json::value, RpcError>> CallContext::request(std::string_view method, json::object params) {
  using R = std::expected<json::value, RpcError>;
  if (era_ == ProtocolEra::modern)
    co_return R(std::unexpect, RpcError{code::method_not_found,
                                        "server-to-client requests do not exist in this protocol revision; "
                                        "return an input-required result",
                                        std::nullopt});
  if (!session_) co_return R(std::unexpect, RpcError{code::internal_error, "no client session", std::nullopt});
  if (auto cap = capability_for(method); !cap.empty() && !client_supports(cap))
    co_return R(std::unexpect, missing_capability_error(json::object{{cap, json::object{}}}));
  json::value id = session_->next_request_id.fetch_add(1);
  auto key = id_key(id);
  auto executor = co_await asio::this_coro::executor;
  auto channel = session_->pending.add(key, executor);
  if (!channel) co_return R(std::unexpect, RpcError{code::internal_error, "client disconnected", std::nullopt});
  if (!co_await outlet_.send(make_request(id, method, std::move(params)))) {
    session_->pending.remove(key);
    co_return R(std::unexpect, RpcError{code::internal_error, "client disconnected", std::nullopt});
  }
  asio::steady_timer timer(executor, server_.options.client_request_timeout);
  using namespace asio::experimental::awaitable_operators;
  auto outcome =
      co_await (channel->async_receive(net::as_tuple_awaitable) || timer.async_wait(net::as_tuple_awaitable));
  if (outcome.index() == 1) {
    session_->pending.remove(key);
    co_return R(std::unexpect,
                RpcError{code::upstream_timeout, "client did not answer " + std::string(method), std::nullopt});
  }
  auto [ec, reply] = std::get<0>(std::move(outcome));
  if (ec) co_return R(std::unexpect, RpcError{code::internal_error, "client disconnected", std::nullopt});
  if (auto* r = reply.if_contains("result")) co_return R(std::move(*r));
  RpcError e{code::internal_error, "client error", std::nullopt};
  if (auto* err = reply.if_contains("error"); err && err->is_object()) {
    auto& eo = err->get_object();
    if (auto* c = eo.if_contains("code"); c && c->is_int64()) e.code = static_cast<int>(c->get_int64());
    if (auto* m = eo.if_contains("message"); m && m->is_string()) e.message = m->get_string();
    if (auto* d = eo.if_contains("data")) e.data = *d;
  }
  co_return R(std::unexpect, std::move(e));
}

Task<void> CallContext::sleep(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(net::as_tuple_awaitable);
}

}  // namespace mcpgate::mcp::server
