#include "policy/method_table.hpp"

#include <algorithm>
#include <array>

namespace mcpgate::policy {

namespace {
// schema/2025-11-25 and schema/2026-07-28: ClientRequest.
constexpr std::array<std::string_view, 7> kTargeted = {
    "tools/call",  "resources/read",      "resources/subscribe", "resources/unsubscribe",
    "prompts/get", "completion/complete", "subscriptions/listen"};
// tasks/update: the io.modelcontextprotocol/tasks extension of 2026-07-28 (input for a task).
// The task methods are bound to their task's owner and judged by the gateway as a tools/call of the
// task's tool (gateway/endpoint_tasks.cpp); the table only says they name no target of their own.
constexpr std::array<std::string_view, 13> kAuthenticationOnly = {"initialize",      "ping",
                                                                  "tools/list",      "prompts/list",
                                                                  "resources/list",  "resources/templates/list",
                                                                  "server/discover", "logging/setLevel",
                                                                  "tasks/get",       "tasks/result",
                                                                  "tasks/cancel",    "tasks/list",
                                                                  "tasks/update"};
// schema ServerRequest: a client has no business sending these to a server.
constexpr std::array<std::string_view, 4> kServerRequests = {"sampling/createMessage", "roots/list",
                                                             "elicitation/create", "ping"};
// schema ClientNotification (both revisions).
constexpr std::array<std::string_view, 5> kClientNotifications = {
    "notifications/initialized", "notifications/cancelled", "notifications/progress",
    "notifications/roots/list_changed", "notifications/tasks/status"};

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& a, std::string_view m) {
  return std::find(a.begin(), a.end(), m) != a.end();
}
}  // namespace

bool is_request_method(std::string_view m) {
  return listed(kTargeted, m) || listed(kAuthenticationOnly, m) || listed(kServerRequests, m);
}

MethodClass method_class(std::string_view m, bool is_notification) {
  if (is_notification) {
    if (is_request_method(m)) return MethodClass::malformed;
    if (listed(kClientNotifications, m)) return MethodClass::authentication_only;
    return MethodClass::unknown;
  }
  // subscriptions/listen is targeted through its resourceSubscriptions: none, one or many URIs,
  // each judged as a resource by the gateway.
  if (listed(kTargeted, m)) return MethodClass::targeted;
  if (listed(kAuthenticationOnly, m)) return MethodClass::authentication_only;
  return MethodClass::unknown;
}

}  // namespace mcpgate::policy
