#include "gateway/metrics.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "gateway/admission.hpp"
#include "gateway/principal_limits.hpp"

namespace mcpgate::gateway {
namespace {

// Prometheus text format: "# HELP"/"# TYPE" comments and "name{labels} value" samples, nothing else.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
    auto space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << line;
    if (space == std::string::npos) continue;
    std::string name = line.substr(0, space);
    EXPECT_TRUE(out.emplace(name, std::stod(line.substr(space + 1))).second) << "duplicate series " << name;
  }
  return out;
}

TEST(Metrics, FreshRenderHasEverySeriesAtZero) {
  Metrics m;
  auto s = samples(m.render());
  for (auto c : {"1xx", "2xx", "3xx", "4xx", "5xx", "other"})
    EXPECT_EQ(s.at(std::string("mcpgate_requests_total{code=\"") + c + "\"}"), 0);
  for (int i = 0; i < static_cast<int>(ErrorReason::kCount); ++i) {
    std::string reason = reason_name(static_cast<ErrorReason>(i));
    EXPECT_NE(reason, "unknown");
    EXPECT_EQ(s.at("mcpgate_errors_total{reason=\"" + reason + "\"}"), 0);
  }
  EXPECT_EQ(s.at("mcpgate_request_duration_seconds_count"), 0);
  EXPECT_EQ(s.at("mcpgate_sessions"), 0);
  EXPECT_EQ(s.at("mcpgate_upstream_restarts_total"), 0);
}

TEST(Metrics, StatusClasses) {
  Metrics m;
  m.request(101, 0);
  m.request(200, 0);
  m.request(204, 0);
  m.request(302, 0);
  m.request(404, 0);
  m.request(503, 0);
  m.request(99, 0);
  m.request(600, 0);
  auto s = samples(m.render());
  EXPECT_EQ(s.at("mcpgate_requests_total{code=\"1xx\"}"), 1);
  EXPECT_EQ(s.at("mcpgate_requests_total{code=\"2xx\"}"), 2);
  EXPECT_EQ(s.at("mcpgate_requests_total{code=\"3xx\"}"), 1);
  EXPECT_EQ(s.at("mcpgate_requests_total{code=\"4xx\"}"), 1);
  EXPECT_EQ(s.at("mcpgate_requests_total{code=\"5xx\"}"), 1);
  EXPECT_EQ(s.at("mcpgate_requests_total{code=\"other\"}"), 2);
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInclusiveUpperBounds) {
  Metrics m;
  m.request(200, 0.0005);  // exactly on the first bound: counts in le="0.0005"
  m.request(200, 0.003);   // le="0.005"
  m.request(200, 0.3);     // le="0.5"
  m.request(200, 10);      // only +Inf
  auto s = samples(m.render());
  auto b = [&](const std::string& le) { return s.at("mcpgate_request_duration_seconds_bucket{le=\"" + le + "\"}"); };
  EXPECT_EQ(b("0.0005"), 1);
  EXPECT_EQ(b("0.0025"), 1);
  EXPECT_EQ(b("0.005"), 2);
  EXPECT_EQ(b("0.25"), 2);
  EXPECT_EQ(b("0.5"), 3);
  EXPECT_EQ(b("5"), 3);
  EXPECT_EQ(b("+Inf"), 4);
  EXPECT_EQ(s.at("mcpgate_request_duration_seconds_count"), 4);
  EXPECT_NEAR(s.at("mcpgate_request_duration_seconds_sum"), 10.3035, 1e-5);
  double prev = 0;
  for (double le : Metrics::kBuckets) {
    std::ostringstream o;
    o << le;
    EXPECT_GE(b(o.str()), prev);
    prev = b(o.str());
  }
}

TEST(Metrics, ErrorsRestartsAndSessions) {
  Metrics m;
  m.error(ErrorReason::forbidden_origin);
  m.error(ErrorReason::forbidden_origin);
  m.error(ErrorReason::overloaded);
  m.upstream_restart();
  m.session_opened();
  m.session_opened();
  m.session_closed();
  auto s = samples(m.render());
  EXPECT_EQ(s.at("mcpgate_errors_total{reason=\"forbidden_origin\"}"), 2);
  EXPECT_EQ(s.at("mcpgate_errors_total{reason=\"overloaded\"}"), 1);
  EXPECT_EQ(s.at("mcpgate_errors_total{reason=\"parse_error\"}"), 0);
  EXPECT_EQ(s.at("mcpgate_upstream_restarts_total"), 1);
  EXPECT_EQ(s.at("mcpgate_sessions"), 1);
}

TEST(Metrics, LimitsShowRefusalsQueuesAndConfiguredLimits) {
  Metrics m;
  m.refusal(RefusalReason::rate_limited);
  m.refusal(RefusalReason::overloaded_queue_full);
  auto a = Admission::create({4, 100, std::chrono::milliseconds(2500)});
  auto p = a->try_acquire();
  m.watch_upstream("ep", "up", a);
  config::PrincipalLimits pl;
  m.watch_principals("ep", PrincipalLimiter::create(pl));
  auto s = samples(m.render());
  for (int i = 0; i < static_cast<int>(RefusalReason::kCount); ++i)
    EXPECT_TRUE(s.contains(std::string("mcpgate_refusals_total{reason=\"") +
                           refusal_reason_name(static_cast<RefusalReason>(i)) + "\"}"));
  EXPECT_EQ(s.at("mcpgate_refusals_total{reason=\"rate_limited\"}"), 1);
  EXPECT_EQ(s.at("mcpgate_refusals_total{reason=\"overloaded_queue_full\"}"), 1);
  const std::string u = "{endpoint=\"ep\",upstream=\"up\"}";
  EXPECT_EQ(s.at("mcpgate_upstream_in_flight" + u), 1);
  EXPECT_EQ(s.at("mcpgate_upstream_queue_depth" + u), 0);
  EXPECT_EQ(s.at("mcpgate_upstream_max_in_flight" + u), 4);
  EXPECT_EQ(s.at("mcpgate_upstream_max_pending" + u), 100);
  EXPECT_EQ(s.at("mcpgate_upstream_queue_timeout_seconds" + u), 2.5);
  EXPECT_EQ(s.at("mcpgate_upstream_shed_total{endpoint=\"ep\",upstream=\"up\",reason=\"queue_timeout\"}"), 0);
  EXPECT_EQ(s.at("mcpgate_principal_limit{endpoint=\"ep\",limit=\"max_sessions\"}"), 32);
  EXPECT_EQ(s.at("mcpgate_principals_tracked{endpoint=\"ep\"}"), 0);
}

}  // namespace
}  // namespace mcpgate::gateway
