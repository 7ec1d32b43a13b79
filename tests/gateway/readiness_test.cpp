// The readiness probe list behind /readyz: required probes decide, optional ones only report.
#include "gateway/readiness.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace mcpgate::gateway {
namespace {

Readiness::Check passing() {
  return [] { return Result<void>(); };
}
Readiness::Check failing(std::string why) {
  return [why] { return Result<void>(fail(why)); };
}

TEST(Readiness, EmptyListIsReady) {
  Readiness r;
  EXPECT_TRUE(Readiness::ready(r.run()));
}

TEST(Readiness, ARequiredProbeThatFailsMakesItNotReady) {
  Readiness r;
  r.add("draining", true, passing());
  r.add("authorization_server.store", true, failing("database is locked"));
  auto states = r.run();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].name, "draining");  // in the order they were added
  EXPECT_TRUE(states[0].ok);
  EXPECT_FALSE(states[1].ok);
  EXPECT_EQ(states[1].detail, "database is locked");
  EXPECT_FALSE(Readiness::ready(states));
}

TEST(Readiness, AnOptionalProbeThatFailsIsReportedButStaysReady) {
  Readiness r;
  r.add("draining", true, passing());
  r.add("upstream.crm", false, failing("connection refused"));
  auto states = r.run();
  EXPECT_TRUE(Readiness::ready(states));
  auto doc = boost::json::parse(Readiness::to_json(states)).as_object();
  EXPECT_EQ(doc.at("status"), "ready");
  auto& probes = doc.at("probes").as_array();
  ASSERT_EQ(probes.size(), 2u);
  EXPECT_EQ(probes[1].at("name"), "upstream.crm");
  EXPECT_EQ(probes[1].at("required"), false);
  EXPECT_EQ(probes[1].at("ok"), false);
  EXPECT_EQ(probes[1].at("detail"), "failed (see the gateway's log)");
}

// /readyz answers anyone who reaches the listener: a failing probe's own message (libpq's names
// the database host and port, SQLite's the file path) would map the internal network for an
// unauthenticated caller. The JSON says only that the probe failed; the message is logged.
TEST(Readiness, TheJsonNeverCarriesAProbesOwnFailureMessage) {
  Readiness r;
  r.add("authorization_server.store", true,
        failing("connection to server at \"10.1.2.3\", port 5432 failed: Connection refused"));
  auto states = r.run();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_NE(states[0].detail.find("10.1.2.3"), std::string::npos);  // kept for the log
  auto json = Readiness::to_json(states);
  EXPECT_EQ(json.find("10.1.2.3"), std::string::npos) << json;
  EXPECT_EQ(json.find("5432"), std::string::npos) << json;
  auto doc = boost::json::parse(json).as_object();
  EXPECT_EQ(doc.at("probes").as_array()[0].at("detail"), "failed (see the gateway's log)");
}

TEST(Readiness, AddingUnderTheSameNameReplaces) {
  // A store registered again (say, after a reconnect) keeps one entry.
  Readiness r;
  r.add("store", true, failing("down"));
  r.add("store", true, passing());
  auto states = r.run();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_TRUE(states[0].ok);
}

TEST(Readiness, NotReadyJsonNamesTheStatus) {
  Readiness r;
  r.add("draining", true, failing("draining"));
  auto doc = boost::json::parse(Readiness::to_json(r.run())).as_object();
  EXPECT_EQ(doc.at("status"), "not ready");
}

}  // namespace
}  // namespace mcpgate::gateway
