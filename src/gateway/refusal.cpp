#include "gateway/refusal.hpp"

#include <algorithm>

#include "core/json.hpp"
#include "gateway/upstream.hpp"
#include "mcp/jsonrpc.hpp"

namespace mcpgate::gateway {
namespace http = net::http;
namespace json = boost::json;

std::string_view stage_name(Stage s) {
  switch (s) {
    case Stage::front_door:
      return "front_door";
    case Stage::authentication:
      return "authentication";
    case Stage::scope_baseline:
      return "scope_baseline";
    case Stage::policy:
      return "policy";
    case Stage::limit:
      return "limit";
    case Stage::upstream:
      return "upstream";
  }
  return "unknown";
}

namespace {

// The error counter a front-door refusal counts under (mcpgate_errors_total{reason}).
ErrorReason error_reason(mcp::front::Reason r) {
  using R = mcp::front::Reason;
  switch (r) {
    case R::forbidden_host_or_origin:
      return ErrorReason::forbidden_origin;
    case R::method_not_allowed:
      return ErrorReason::method_not_allowed;
    case R::unsupported_media_type:
      return ErrorReason::unsupported_media_type;
    case R::not_acceptable:
      return ErrorReason::not_acceptable;
    case R::parse_error:
      return ErrorReason::parse_error;
    case R::header_mismatch:
      return ErrorReason::header_mismatch;
    case R::unsupported_version:
      return ErrorReason::unsupported_version;
    case R::session_not_found:
      return ErrorReason::unknown_session;
    case R::batch:
    case R::invalid_message:
    case R::unexpected_response:
    case R::missing_meta:
    case R::removed_method:
    case R::session_required:
      return ErrorReason::bad_request;
  }
  return ErrorReason::bad_request;
}

RefusalReason limit_metric(LimitRefusal r) {
  switch (r) {
    case LimitRefusal::rate_limited:
      return RefusalReason::rate_limited;
    case LimitRefusal::rate_limited_tool:
      return RefusalReason::rate_limited_tool;
    case LimitRefusal::quota_sessions:
      return RefusalReason::quota_sessions;
    case LimitRefusal::quota_concurrency:
      return RefusalReason::quota_concurrency;
    default:
      return RefusalReason::quota_principals;
  }
}

// What the audit record's `decision` says for a refusal of this stage.
std::string_view decision_of(Stage s) {
  switch (s) {
    case Stage::authentication:
      return "unauthenticated";
    case Stage::limit:
      return "limited";
    case Stage::upstream:
      return "failed";
    default:
      return "deny";
  }
}

}  // namespace

Refusal front_door_refusal(const mcp::front::Refusal& r) {
  Refusal out;
  out.stage = Stage::front_door;
  out.reason = std::string(mcp::front::reason_name(r.reason));
  out.status = r.status;
  out.code = r.code;
  out.message = r.message;
  out.id = r.id;
  out.data = r.data;
  out.rule = "front-door";
  out.error_metric = error_reason(r.reason);
  return out;
}

Refusal auth_refusal(const AuthRefusal& r, Stage stage) {
  auto ch = oauth::challenge_for(r.error, r.challenge);
  Refusal out;
  out.stage = stage;
  out.reason = std::string(oauth::name(r.error));
  out.status = ch.status;
  // The HTTP status and the challenge carry the meaning; the code only mirrors it (what the SDKs
  // send), for 400 and 503 as for 401.
  out.code = ch.status == 403 ? mcp::code::forbidden : mcp::code::unauthorized;
  out.message = std::string(ch.status == 401   ? "Unauthorized: "
                            : ch.status == 403 ? "Forbidden: "
                                               : "") +
                std::string(oauth::describe(r.error));
  out.www_authenticate = std::move(ch.www_authenticate);
  // The replica cannot tell revoked tokens from good ones until Redis or the store answers again:
  // a moment's wait, or another replica, serves the client.
  if (r.error == oauth::AuthError::revocations_unknown) out.retry_after = kOverloadRetryAfterSeconds;
  if (stage == Stage::scope_baseline) {
    out.rule = "required_scopes";
  } else {
    out.rule = "authentication";
    out.error_metric = ErrorReason::unauthorized;
    out.auth_metric = r.error;
  }
  return out;
}

Refusal policy_refusal(const policy::Decision& d, const json::value& id, const std::vector<std::string>& scopes,
                       const std::string& resource_metadata) {
  Refusal out;
  out.stage = Stage::policy;
  out.status = 403;
  out.code = mcp::code::forbidden;
  out.id = id;
  out.rule = d.rule;
  if (d.outcome == policy::Outcome::insufficient_scope) {
    out.reason = "insufficient_scope";
    if (!resource_metadata.empty())
      out.www_authenticate =
          oauth::challenge_for(oauth::AuthError::insufficient_scope, {resource_metadata, scopes}).www_authenticate;
    std::string joined;
    for (auto& s : scopes) joined += (joined.empty() ? "" : " ") + s;
    out.message = "Forbidden: insufficient scope (needs " + joined + ")";
  } else {
    out.reason = "forbidden";
    out.message = "Forbidden by policy (rule " + d.rule + ")";
  }
  return out;
}

Refusal quota_refusal(const Refused& refused, const json::value& id) {
  Refusal out;
  out.stage = Stage::limit;
  out.reason = refusal_name(refused.reason);
  out.status = 429;
  out.code = mcp::code::rate_limited;
  out.id = id;
  out.retry_after = refused.retry_after_seconds;
  switch (refused.reason) {
    case LimitRefusal::quota_sessions:
      out.message = "Too many open sessions for this principal";
      break;
    case LimitRefusal::quota_concurrency:
      out.message = "Too many concurrent requests for this principal";
      break;
    case LimitRefusal::rate_limited_tool:
      out.message = "Rate limit exceeded for this tool";
      break;
    case LimitRefusal::quota_principals:
      out.message = "Too many active principals";
      break;
    default:
      out.message = "Rate limit exceeded";
  }
  out.limit_metric = limit_metric(refused.reason);
  return out;
}

Refusal overload_refusal(Shed shed, const json::value& id) {
  Refusal out;
  out.stage = Stage::limit;
  bool full = shed == Shed::queue_full;
  out.reason = full ? "overloaded_queue_full" : "overloaded_queue_timeout";
  out.status = 503;
  out.code = mcp::code::overloaded;
  out.id = id;
  out.retry_after = kOverloadRetryAfterSeconds;
  out.message = full ? "Overloaded: too many requests waiting for this upstream"
                     : "Overloaded: no upstream slot within the queue timeout";
  out.limit_metric = full ? RefusalReason::overloaded_queue_full : RefusalReason::overloaded_queue_timeout;
  out.error_metric = ErrorReason::overloaded;
  return out;
}

Refusal upstream_refusal(UpstreamFailure failure, const json::object& error, double elapsed_seconds) {
  Refusal out;
  out.elapsed_seconds = elapsed_seconds;
  if (auto* id = error.if_contains("id")) out.id = *id;
  out.code = mcp::code::upstream_unavailable;  // what the upstream layer sends when it names none
  if (auto* e = error.if_contains("error"); e && e->is_object()) {
    auto& eo = e->get_object();
    if (auto* c = eo.if_contains("code"); c && c->is_int64()) out.code = static_cast<int>(c->get_int64());
    if (auto* m = eo.if_contains("message"); m && m->is_string()) out.message = std::string(m->get_string());
    if (auto* d = eo.if_contains("data")) out.data = *d;
  }
  if (failure == UpstreamFailure::at_capacity) {
    // A limit, not an upstream failure: 503 with Retry-After, counted and audited as a refusal.
    out.stage = Stage::limit;
    out.reason = "children_limit";
    out.status = 503;
    out.retry_after = kOverloadRetryAfterSeconds;
    out.limit_metric = RefusalReason::children_limit;
    out.error_metric = ErrorReason::overloaded;
    return out;
  }
  out.stage = Stage::upstream;
  bool timeout = failure == UpstreamFailure::timeout;
  out.status = timeout ? 504 : 502;
  out.error_metric = timeout ? ErrorReason::upstream_timeout : ErrorReason::upstream_unavailable;
  // No credential could be obtained for the upstream (nothing reached it), or the upstream refused
  // the one it got: audited, with the error's message (the status or OAuth error, never a token).
  out.audited = failure == UpstreamFailure::credentials || failure == UpstreamFailure::unauthorized;
  if (out.audited) {
    out.rule = "credentials";
    out.reason = out.message;
  } else {
    out.reason = std::string(reason_name(failure));
  }
  return out;
}

Refusal session_ended_refusal(const json::value& id, double elapsed_seconds) {
  Refusal out;
  out.stage = Stage::upstream;
  out.reason = "session_ended";
  out.status = 404;
  out.code = mcp::code::session_not_found;
  out.message = "Session not found: the upstream ended it";
  out.id = id;
  out.audited = false;  // the upstream's doing, not a decision about the caller
  out.elapsed_seconds = elapsed_seconds;
  out.error_metric = ErrorReason::unknown_session;
  return out;
}

net::Response answer_for(const Refusal& r) {
  std::optional<json::value> data = r.data;
  if (r.stage == Stage::limit) {
    // A limit says which one and when to come back in the body too, for clients that do not read
    // Retry-After. What the refusal's own data says besides (the children limit names its
    // upstream) is kept.
    json::object d = r.data && r.data->is_object() ? r.data->get_object() : json::object();
    d["reason"] = r.reason;
    d["retryAfterSeconds"] = r.retry_after.value_or(kOverloadRetryAfterSeconds);
    data = json::value(std::move(d));
  }
  auto res = mcp::front::rpc_error(r.status, r.id, r.code, r.message, std::move(data));
  if (!r.www_authenticate.empty()) res.set(http::field::www_authenticate, r.www_authenticate);
  if (r.retry_after) res.set(http::field::retry_after, std::to_string(*r.retry_after));
  // RFC 9110 §15.5.6: a 405 names the methods the resource does support.
  if (r.status == 405) res.set(http::field::allow, r.allow.empty() ? std::string("POST") : r.allow);
  return res;
}

net::Response refuse(const Refusal& r, Metrics& metrics, AuditLog& audit, AuditRecord who) {
  record_refusal(r, metrics, audit, std::move(who));
  return answer_for(r);
}

void record_refusal(const Refusal& r, Metrics& metrics, AuditLog& audit, AuditRecord who) {
  if (r.error_metric) metrics.error(*r.error_metric);
  if (r.limit_metric) metrics.refusal(*r.limit_metric);
  if (r.auth_metric) metrics.auth_refusal(*r.auth_metric);
  if (r.stage == Stage::scope_baseline) metrics.decision(2);
  if (r.stage == Stage::limit || r.stage == Stage::upstream) metrics.request(r.status, r.elapsed_seconds);
  if (r.audited && audit.enabled()) {
    who.decision = std::string(decision_of(r.stage));
    who.rule = r.rule;
    who.reason = r.reason;
    audit.write(who);
  }
}

}  // namespace mcpgate::gateway
