// The limits part of /metrics: refusals by reason, and per upstream and endpoint the admission
// and per-principal gauges with the limits they are measured against; the upstreams' tokens.
#include <cstdio>

#include "exchange/upstream_credentials.hpp"
#include "gateway/admission.hpp"
#include "gateway/metrics.hpp"
#include "gateway/principal_children.hpp"
#include "gateway/principal_limits.hpp"

namespace mcpgate::gateway {

const char* refusal_reason_name(RefusalReason r) {
  switch (r) {
    case RefusalReason::rate_limited:
      return "rate_limited";
    case RefusalReason::rate_limited_tool:
      return "rate_limited_tool";
    case RefusalReason::quota_sessions:
      return "quota_sessions";
    case RefusalReason::quota_concurrency:
      return "quota_concurrency";
    case RefusalReason::quota_principals:
      return "quota_principals";
    case RefusalReason::overloaded_queue_full:
      return "overloaded_queue_full";
    case RefusalReason::overloaded_queue_timeout:
      return "overloaded_queue_timeout";
    case RefusalReason::children_limit:
      return "children_limit";
    case RefusalReason::kCount:
      break;
  }
  return "unknown";
}

void Metrics::watch_upstream(std::string endpoint, std::string upstream, std::shared_ptr<const Admission> admission) {
  std::lock_guard lock(watched_mutex_);
  upstreams_.push_back({std::move(endpoint), std::move(upstream), std::move(admission)});
}

void Metrics::watch_credentials(std::string endpoint, std::string upstream,
                                std::shared_ptr<const exchange::UpstreamCredentials> credentials) {
  std::lock_guard lock(watched_mutex_);
  credentials_.push_back({std::move(endpoint), std::move(upstream), std::move(credentials)});
}

void Metrics::watch_children(std::string endpoint, std::string upstream,
                             std::shared_ptr<const PrincipalChildren> children) {
  std::lock_guard lock(watched_mutex_);
  children_.push_back({std::move(endpoint), std::move(upstream), std::move(children)});
}

void Metrics::watch_principals(std::string endpoint, std::shared_ptr<const PrincipalLimiter> limiter) {
  std::lock_guard lock(watched_mutex_);
  principals_.push_back({std::move(endpoint), std::move(limiter)});
}

namespace {
void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}
void sample(std::string& out, const char* name, const std::string& labels, double v) {
  char line[512];
  std::snprintf(line, sizeof line, "%s{%s} %.10g\n", name, labels.c_str(), v);
  out += line;
}
// Label values are configuration names; quotes and backslashes are escaped all the same.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}
}  // namespace

// Called with watched_mutex_ held. One family at a time (the exposition format groups a
// family's samples), one sample per upstream with credentials.
void Metrics::render_credentials(std::string& out) const {
  if (credentials_.empty()) return;
  std::vector<std::pair<std::string, exchange::UpstreamCredentials::Stats>> all;
  for (auto& w : credentials_)
    all.emplace_back("endpoint=\"" + w.endpoint + "\",upstream=\"" + w.upstream + "\"", w.credentials->stats());
  header(out, "mcpgate_upstream_tokens_total", "counter",
         "Tokens asked of a token endpoint for upstreams, by outcome (issued, or why not).");
  for (auto& [labels, st] : all) {
    sample(out, "mcpgate_upstream_tokens_total", labels + ",outcome=\"issued\"", double(st.issued));
    for (std::size_t r = 0; r < st.failed.size(); ++r)
      sample(out, "mcpgate_upstream_tokens_total",
             labels + ",outcome=\"" + exchange::reason_name(static_cast<exchange::TokenError::Reason>(r)) + "\"",
             double(st.failed[r]));
  }
  header(out, "mcpgate_upstream_token_cache_total", "counter",
         "Upstream credentials served from the cache (hit), asked for (miss), or awaited from a request already asking "
         "(joined).");
  for (auto& [labels, st] : all) {
    sample(out, "mcpgate_upstream_token_cache_total", labels + ",result=\"hit\"", double(st.hits));
    sample(out, "mcpgate_upstream_token_cache_total", labels + ",result=\"miss\"", double(st.misses));
    sample(out, "mcpgate_upstream_token_cache_total", labels + ",result=\"joined\"", double(st.joined));
  }
  header(out, "mcpgate_upstream_token_request_seconds", "summary", "Time spent asking token endpoints.");
  for (auto& [labels, st] : all) {
    sample(out, "mcpgate_upstream_token_request_seconds_sum", labels, st.request_seconds);
    sample(out, "mcpgate_upstream_token_request_seconds_count", labels, double(st.requests));
  }
}

void Metrics::render_limits(std::string& out) const {
  header(out, "mcpgate_refusals_total", "counter", "Requests refused by a fairness or overload limit, by reason.");
  for (int i = 0; i < static_cast<int>(RefusalReason::kCount); ++i)
    sample(out, "mcpgate_refusals_total",
           std::string("reason=\"") + refusal_reason_name(static_cast<RefusalReason>(i)) + "\"",
           static_cast<double>(refusals_[i].load(std::memory_order_relaxed)));
  std::lock_guard lock(watched_mutex_);
  render_credentials(out);
  struct Series {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const Admission&);
  };
  static const Series upstream_series[] = {
      {"mcpgate_upstream_in_flight", "gauge", "Requests at the upstream now.",
       [](const Admission& a) { return double(a.in_flight()); }},
      {"mcpgate_upstream_queue_depth", "gauge", "Requests waiting for a slot at the upstream now.",
       [](const Admission& a) { return double(a.pending()); }},
      {"mcpgate_upstream_max_in_flight", "gauge", "Configured max_concurrent_requests.",
       [](const Admission& a) { return double(a.limits().max_in_flight); }},
      {"mcpgate_upstream_max_pending", "gauge", "Configured max_pending_requests.",
       [](const Admission& a) { return double(a.limits().max_pending); }},
      {"mcpgate_upstream_queue_timeout_seconds", "gauge", "Configured queue_timeout_ms, in seconds.",
       [](const Admission& a) { return a.limits().queue_timeout.count() / 1000.0; }},
      {"mcpgate_upstream_queued_total", "counter", "Requests that waited for a slot.",
       [](const Admission& a) { return double(a.queued_total()); }},
  };
  for (auto& s : upstream_series) {
    header(out, s.name, s.type, s.help);
    for (auto& u : upstreams_)
      sample(out, s.name, "endpoint=\"" + label(u.endpoint) + "\",upstream=\"" + label(u.upstream) + "\"",
             s.value(*u.admission));
  }
  header(out, "mcpgate_upstream_shed_total", "counter", "Requests shed with 503 in front of the upstream, by reason.");
  for (auto& u : upstreams_)
    for (auto r : {Shed::queue_full, Shed::queue_timeout})
      sample(out, "mcpgate_upstream_shed_total",
             "endpoint=\"" + label(u.endpoint) + "\",upstream=\"" + label(u.upstream) + "\",reason=\"" + shed_name(r) +
                 "\"",
             static_cast<double>(u.admission->shed_total(r)));
  header(out, "mcpgate_stdio_children", "gauge",
         "Children of a stdio upstream in mode per_principal running now (replaced ones still draining included).");
  for (auto& c : children_)
    sample(out, "mcpgate_stdio_children",
           "endpoint=\"" + label(c.endpoint) + "\",upstream=\"" + label(c.upstream) + "\"",
           static_cast<double>(c.children->size()));
  header(out, "mcpgate_stdio_children_max", "gauge", "Configured stdio.max_children.");
  for (auto& c : children_)
    sample(out, "mcpgate_stdio_children_max",
           "endpoint=\"" + label(c.endpoint) + "\",upstream=\"" + label(c.upstream) + "\"",
           static_cast<double>(c.children->max_children()));
  header(out, "mcpgate_principals_tracked", "gauge", "Principals with live per-principal limit state.");
  for (auto& p : principals_)
    sample(out, "mcpgate_principals_tracked", "endpoint=\"" + label(p.endpoint) + "\"",
           static_cast<double>(p.limiter->principals()));
  header(out, "mcpgate_principal_limit", "gauge", "Configured per-principal limits (0: no limit).");
  for (auto& p : principals_) {
    auto& l = p.limiter->limits();
    auto e = "endpoint=\"" + label(p.endpoint) + "\",limit=\"";
    sample(out, "mcpgate_principal_limit", e + "max_sessions\"", double(l.max_sessions));
    sample(out, "mcpgate_principal_limit", e + "max_concurrent_requests\"", double(l.max_concurrent_requests));
    sample(out, "mcpgate_principal_limit", e + "requests_per_second\"", l.requests.per_second);
    sample(out, "mcpgate_principal_limit", e + "burst\"", l.requests.burst);
    sample(out, "mcpgate_principal_limit", e + "tool_calls_per_second\"", l.tool_calls.per_second);
    sample(out, "mcpgate_principal_limit", e + "tool_calls_burst\"", l.tool_calls.burst);
  }
}

}  // namespace mcpgate::gateway
