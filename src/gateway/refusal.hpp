#pragma once
// Every way the gateway refuses a request, as one value, and the one function that turns it into
// the answer, the count in /metrics and the audit record (house rule 3: one mapping from a named
// reason to HTTP). Each stage of the request path (docs/architecture.md, "Request path") yields a
// Refusal through its builder below; nothing else builds a refusal's HTTP answer.
//
//   stage           status             JSON-RPC code        audit decision   metric
//   front door      400/404/405/406/415 (mcp/http_front)    deny, front-door errors_total{reason}
//   authentication  401/400/503 + WWW-Authenticate (RFC 6750 §3)
//                                      -32001               unauthenticated  errors_total{unauthorized},
//                                                                            auth_refusals_total{reason}
//   scope baseline  403 insufficient_scope + challenge
//                                      -32003               deny, required_scopes  policy_decisions_total{deny}
//   policy          403 (+ challenge for insufficient_scope)
//                                      -32003               (one record per decision: message_policy)
//   limit           429 / 503 + Retry-After
//                                      -32005 / -32004      limited          refusals_total{reason}
//   upstream        502 / 504 (the upstream failed or did not answer in time; 503 + Retry-After for
//                   the per-principal children limit, a limit)
//                                      the failure's code   failed, credentials (only when no
//                                                           credential reached or was accepted
//                                                           by the upstream)  errors_total{reason}
//
// Reasons are stable machine names ("expired", "rate_limited", "parse_error"): they label
// metrics and fill the audit record's `reason`. No token material ever reaches a refusal: an
// authentication refusal carries the AuthError and the challenge's public parameters only.
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/admission.hpp"
#include "gateway/audit_log.hpp"
#include "gateway/inbox.hpp"
#include "gateway/limit_refusal.hpp"
#include "gateway/metrics.hpp"
#include "gateway/principal_limits.hpp"
#include "mcp/http_front.hpp"
#include "net/http_server.hpp"
#include "oauth/auth_error.hpp"
#include "oauth/challenge.hpp"
#include "policy/policy.hpp"

namespace mcpgate::gateway {

// Where on the request path the refusal was decided.
enum class Stage { front_door, authentication, scope_baseline, policy, limit, upstream };
std::string_view stage_name(Stage s);

// Authentication failed (or the token lacks the endpoint's baseline scopes): why, and what the
// challenge needs (RFC 6750 §3, RFC 9728 §5.1: resource_metadata and scope).
struct AuthRefusal {
  oauth::AuthError error;
  oauth::ChallengeContext challenge;
};

struct Refusal {
  Stage stage = Stage::front_door;
  std::string reason;  // stable machine name: metric label and audit `reason`
  unsigned status = 400;
  int code = mcp::code::invalid_request;
  std::string message;
  boost::json::value id;  // the request's id when it was read, else null (JSON-RPC 2.0 §5)
  std::optional<boost::json::value> data = std::nullopt;
  std::string www_authenticate;          // the challenge; empty: none
  std::optional<long long> retry_after;  // seconds (RFC 9110 §10.2.3)
  std::string allow;                     // 405: the methods the resource supports
  std::string rule;                      // the audit record's `rule`
  // Whether `refuse` writes an audit record: an upstream that failed is not a decision about the
  // caller, so only the credential failures (what was or was not presented on its behalf) are.
  bool audited = true;
  // Seconds the request took until refused, for the request-duration histogram of the stages that
  // count the request themselves (limit, upstream).
  double elapsed_seconds = 0;

  // Counters beside the per-stage one, kept so existing metric names go on counting.
  std::optional<ErrorReason> error_metric;
  std::optional<RefusalReason> limit_metric;
  std::optional<oauth::AuthError> auth_metric;
};

// ---- builders, one per stage ----------------------------------------------------------------

[[nodiscard]] Refusal front_door_refusal(const mcp::front::Refusal& r);
// 401 / 400 / 503 with the challenge of `r.error` (oauth::challenge_for); `stage` is
// scope_baseline for the 403 insufficient_scope of a token without the endpoint's baseline.
[[nodiscard]] Refusal auth_refusal(const AuthRefusal& r, Stage stage = Stage::authentication);
// 403 for a policy decision that is not allow: insufficient_scope with every scope in `scopes`
// (challenge only when `resource_metadata` is set: an anonymous endpoint has none), or forbidden.
[[nodiscard]] Refusal policy_refusal(const policy::Decision& d, const boost::json::value& id,
                                     const std::vector<std::string>& scopes, const std::string& resource_metadata);
// 429 for a principal over its quota or rate; 503 for a request shed in front of a busy upstream.
[[nodiscard]] Refusal quota_refusal(const Refused& refused, const boost::json::value& id);
[[nodiscard]] Refusal overload_refusal(Shed shed, const boost::json::value& id);
// The gateway, not the upstream, answers: `error` is the JSON-RPC error the upstream layer made
// for the client (its id, code, message and data go out unchanged). 504 for a timeout, 502 for
// every other failure, so that no client, cache or retry logic takes it for the upstream's reply;
// 503 + Retry-After for `at_capacity` (the per-principal children limit), a limit stage refusal.
// A session the upstream ended is not one of these: see session_ended_refusal.
[[nodiscard]] Refusal upstream_refusal(UpstreamFailure failure, const boost::json::object& error,
                                       double elapsed_seconds);
// The upstream ended the client's session (2025-11-25 transports, "Session Management": a 404 to a
// request with Mcp-Session-Id tells the client to start a new session with initialize).
[[nodiscard]] Refusal session_ended_refusal(const boost::json::value& id, double elapsed_seconds);

// ---- the one function ---------------------------------------------------------------------

// The HTTP answer alone (status, challenge, Retry-After, Allow, the JSON-RPC error with its id).
[[nodiscard]] net::Response answer_for(const Refusal& r);

// A refusal counted, audited and answered. `who` names the request (request id, endpoint, the
// principal when one was authenticated, method and target when read); the decision, rule and
// reason come from the refusal. The policy stage audits each of its decisions itself
// (McpEndpoint::record), so its refusals are answered with answer_for alone.
[[nodiscard]] net::Response refuse(const Refusal& r, Metrics& metrics, AuditLog& audit, AuditRecord who);
// refuse without the answer, for a refusal told on a stream that is already open (the client then
// gets the JSON-RPC error as the stream's last event, not an HTTP status).
void record_refusal(const Refusal& r, Metrics& metrics, AuditLog& audit, AuditRecord who);

}  // namespace mcpgate::gateway
