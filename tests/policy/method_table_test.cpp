// The table of methods: what the rules judge, what authentication alone governs, what is
// malformed, and that anything else fails closed (schema/2025-11-25 and schema/2026-07-28).
#include "policy/method_table.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "policy/policy.hpp"

using namespace mcpgate::policy;

TEST(MethodTable, SortsTheSpecificationsMethods) {
  for (auto m : {"tools/call", "resources/read", "resources/subscribe", "resources/unsubscribe", "prompts/get",
                 "completion/complete", "subscriptions/listen"})
    EXPECT_EQ(method_class(m, false), MethodClass::targeted) << m;
  for (auto m : {"initialize", "ping", "tools/list", "prompts/list", "resources/list", "resources/templates/list",
                 "server/discover", "logging/setLevel", "tasks/get", "tasks/result", "tasks/cancel", "tasks/list",
                 "tasks/update"})
    EXPECT_EQ(method_class(m, false), MethodClass::authentication_only) << m;
  for (auto m : {"notifications/initialized", "notifications/cancelled", "notifications/progress",
                 "notifications/roots/list_changed", "notifications/tasks/status"})
    EXPECT_EQ(method_class(m, true), MethodClass::authentication_only) << m;
}

// A tools/call without an id reached the upstream, which ran it, with no decision and no audit.
TEST(MethodTable, RequestMethodsSentAsNotificationsAreMalformed) {
  for (auto m : {"tools/call", "resources/read", "prompts/get", "initialize", "tools/list", "sampling/createMessage"})
    EXPECT_EQ(method_class(m, true), MethodClass::malformed) << m;
}

TEST(MethodTable, EverythingElseIsUnknown) {
  EXPECT_EQ(method_class("x/custom", false), MethodClass::unknown);
  EXPECT_EQ(method_class("notifications/x-custom", true), MethodClass::unknown);
  EXPECT_EQ(method_class("sampling/createMessage", false), MethodClass::unknown);  // the server's to send
  EXPECT_EQ(method_class("Tools/Call", false), MethodClass::unknown);              // methods are exact
}

TEST(MethodTable, UnknownMethodsFailClosedUnlessARuleNamesThem) {
  Policy p;
  p.default_allow = true;
  Rule named;
  named.id = "custom";
  named.methods = {"x/allowed"};
  named.scopes = {{"mcp:read"}};
  Rule denied;
  denied.id = "no-x";
  denied.deny = true;
  denied.methods = {"x/denied"};
  p.rules = {named, denied};
  Engine e(p);
  Subject reader;
  reader.scopes = {"mcp:read"};
  auto t = target_of("x/allowed", nullptr);
  EXPECT_EQ(t.kind, TargetKind::method);
  EXPECT_EQ(e.decide(reader, t).outcome, Outcome::allow);
  auto d = e.decide(Subject{}, t);
  EXPECT_EQ(d.outcome, Outcome::insufficient_scope);
  EXPECT_EQ(d.scopes, std::vector<std::string>{"mcp:read"});
  d = e.decide(reader, target_of("x/other", nullptr));
  EXPECT_EQ(d.outcome, Outcome::forbidden);  // even with default: allow
  EXPECT_EQ(d.rule, "unknown-method");
  EXPECT_EQ(e.decide(reader, target_of("x/denied", nullptr)).rule, "no-x");
  EXPECT_EQ(target_of("sampling/createMessage", nullptr).kind, TargetKind::method);
  EXPECT_EQ(target_of("notifications/initialized", nullptr).kind, TargetKind::none);
  EXPECT_EQ(target_of("tools/list", nullptr).kind, TargetKind::none);
}

// Patterns are put in the canonical form of the URIs they meet.
TEST(MethodTable, ResourcePatternsAreCanonicalized) {
  Policy p;
  Rule r;
  r.id = "public";
  r.resources = {"RES://PUBLIC/*"};
  p.rules = {r};
  Engine e(p);
  EXPECT_EQ(e.decide(Subject{}, Target{TargetKind::resource, "res://public/1", "resources/read", "u"}).outcome,
            Outcome::allow);
}
