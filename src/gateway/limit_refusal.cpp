#include "gateway/limit_refusal.hpp"

#include "core/json.hpp"
#include "mcp/jsonrpc.hpp"

namespace mcpgate::gateway {
namespace http = net::http;
namespace json = boost::json;

namespace {
net::Response answer(http::status status, long long retry_after, const json::value& id, int code,
                     std::string_view message, const char* reason) {
  json::object data;
  data["reason"] = reason;
  data["retryAfterSeconds"] = retry_after;
  net::Response res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::retry_after, std::to_string(retry_after));
  res.body() = serialize_json(mcp::make_error(id, code, message, json::value(std::move(data))));
  return res;
}
}  // namespace

net::Response too_many_requests(const Refused& refused, const json::value& id) {
  const char* message = "Too many requests";
  switch (refused.reason) {
    case LimitRefusal::quota_sessions:
      message = "Too many open sessions for this principal";
      break;
    case LimitRefusal::quota_concurrency:
      message = "Too many concurrent requests for this principal";
      break;
    case LimitRefusal::rate_limited_tool:
      message = "Rate limit exceeded for this tool";
      break;
    case LimitRefusal::quota_principals:
      message = "Too many active principals";
      break;
    default:
      message = "Rate limit exceeded";
  }
  return answer(http::status::too_many_requests, refused.retry_after_seconds, id, mcp::code::rate_limited, message,
                refusal_name(refused.reason));
}

net::Response overloaded(Shed shed, const json::value& id) {
  return answer(http::status::service_unavailable, kOverloadRetryAfterSeconds, id, mcp::code::overloaded,
                shed == Shed::queue_full ? "Overloaded: too many requests waiting for this upstream"
                                         : "Overloaded: no upstream slot within the queue timeout",
                shed == Shed::queue_full ? "overloaded_queue_full" : "overloaded_queue_timeout");
}

}  // namespace mcpgate::gateway
