#pragma once
// The policy stage for every client message that may reach an upstream: requests and
// notifications of both eras are judged by the same table (policy/method_table.hpp) and the
// same rules, and the names they carry are put in the one canonical form that is judged and
// forwarded (policy/canonical_name.hpp). Answers to server requests are not judged here: they are
// bound to an id the upstream session issued and still waits for (see the upstreams' deliver).
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/authorizer.hpp"
#include "net/http_server.hpp"
#include "policy/policy.hpp"

namespace mcpgate::gateway {

struct Judged {
  policy::Target target;
  policy::Decision decision;
};

struct Verdict {
  std::vector<Judged> judged;            // every decision taken: each gets an audit record
  std::optional<net::Response> refusal;  // set: answer this and forward nothing
  bool malformed = false;                // refused whatever the upstream (not a valid message)
};

// A client request about to be sent to `upstream`. Rewrites the names in `request` to their
// canonical form; refuses with 400 / -32602 a name that has none, with the policy's 403 a target
// that is not allowed, and, when the caller lacks the endpoint's required scopes, with one 403
// naming the operation's scopes and the baseline together.
Verdict judge_request(const Authorizer& authz, const Caller& caller, boost::json::object& request,
                      const std::string& method, const std::string& upstream, const policy::ToolHints* hints);

// A task method (tasks/get, tasks/update, tasks/cancel; tasks/result of 2025-11-25) naming a task
// whose tools/call ran `tool` on `upstream`, or naming no task of this caller (`tool` null: unknown,
// foreign and expired ids are one answer, -32602 "Unknown task" as a server gives it, with HTTP
// `status`). A known task is judged as a tools/call of its tool: polling a task's result or
// answering its questions needs what starting it needed.
Verdict judge_task(const Authorizer& authz, const Caller& caller, const boost::json::object& request,
                   const std::string& method, const std::string* tool, const std::string& upstream, unsigned status,
                   const policy::ToolHints* hints);

// A client notification about to be sent to `upstream`: a request method without an id is
// malformed (400, with or without a policy); a notification outside the specification's table
// is allowed only by a rule naming its method (403 otherwise); the client notifications of the
// specification pass on authentication alone.
Verdict judge_notification(const Authorizer& authz, const Caller& caller, const boost::json::object& notification,
                           const std::string& method, const std::string& upstream);

// The upstream a client's answer goes to: the index in an id exactly as the gateway spelled it
// ("mcpgate:<index>:<n>", decimal, no sign, no leading zero), or nothing for any other spelling.
// The upstream session then accepts it only for a request it sent and still waits for.
std::optional<std::size_t> server_request_upstream(std::string_view id);

}  // namespace mcpgate::gateway
