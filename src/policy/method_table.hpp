#pragma once
// Every JSON-RPC method a client may send, sorted by how the policy judges it. The table is
// explicit so that a method the gateway does not know is never mistaken for a harmless one: an
// upstream may implement anything (an extension, a vendor method, a request method sent as a
// notification) and act on it.
//
//   targeted             reaches a tool, resource or prompt named in the params: judged by the
//                        rules (tools/call, resources/read|subscribe|unsubscribe, prompts/get,
//                        completion/complete, and subscriptions/listen for each URI of
//                        resourceSubscriptions)
//   authentication_only  governed by the token alone (initialize, ping, the lists,
//                        server/discover, logging/setLevel, tasks/*, and the client
//                        notifications of 2025-11-25 and 2026-07-28)
//   malformed            a request method sent as a notification (no id): no server may run it
//                        and none should see it; refused with or without a policy
//   unknown              everything else: judged fail-closed, allowed only by a rule that names the
//                        method in `methods:` (see docs/policy.md)
#include <string_view>

namespace mcpgate::policy {

enum class MethodClass { targeted, authentication_only, malformed, unknown };

MethodClass method_class(std::string_view method, bool is_notification);

// A method the specification defines as a request (client to server or server to client).
bool is_request_method(std::string_view method);

}  // namespace mcpgate::policy
