// Policy decisions: deny by default, explicit denials first, step-up scopes, hierarchy,
// claim and client conditions, shadow mode, the read-only-hint default, and targets read from
// the request body.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "policy/policy.hpp"

using namespace mcpgate::policy;
namespace json = boost::json;

namespace {

Policy crm_policy() {
  Policy p;
  p.implies["mcp:write"] = {"mcp:read"};
  Rule read;
  read.id = "read-tools";
  read.tools = {"get_*", "search_*"};
  read.scopes = {{"mcp:read"}};
  Rule write;
  write.id = "write-tools";
  write.tools = {"update_*"};
  write.scopes = {{"mcp:write"}};
  write.claims = {ClaimCondition{"groups", {"crm-editors"}}};
  Rule resources;
  resources.id = "customers";
  resources.resources = {"crm://customers/*"};
  resources.scopes = {{"mcp:read"}};
  Rule no_export;
  no_export.id = "no-export";
  no_export.deny = true;
  no_export.tools = {"*export*"};
  Rule exporter;
  exporter.id = "export";
  exporter.tools = {"search_export"};
  p.rules = {read, write, resources, no_export, exporter};
  return p;
}

Subject who(std::set<std::string> scopes, json::object claims = {}) {
  Subject s;
  s.issuer = "https://as";
  s.subject = "alice";
  s.client_id = "client-1";
  s.scopes = std::move(scopes);
  s.claims = std::move(claims);
  return s;
}

Target tool(std::string name) {
  return Target{TargetKind::tool, std::move(name), "tools/call", "crm"};
}

}  // namespace

TEST(Policy, ReadScopeAllowsReadTool) {
  Engine e(crm_policy());
  auto d = e.decide(who({"mcp:read"}), tool("get_customer"));
  EXPECT_EQ(d.outcome, Outcome::allow);
  EXPECT_EQ(d.rule, "read-tools");
}

TEST(Policy, MissingScopeAsksForEveryScopeTheRuleNeeds) {
  Engine e(crm_policy());
  auto d = e.decide(who({"mcp:read"}, {{"groups", json::array{"crm-editors"}}}), tool("update_customer"));
  EXPECT_EQ(d.outcome, Outcome::insufficient_scope);
  EXPECT_EQ(d.rule, "write-tools");
  EXPECT_EQ(d.scopes, std::vector<std::string>{"mcp:write"});
  EXPECT_FALSE(d.allowed());
}

TEST(Policy, ScopeHierarchyWriteImpliesRead) {
  // MCP authorization: servers MUST account for scope hierarchies.
  Engine e(crm_policy());
  EXPECT_EQ(e.decide(who({"mcp:write"}), tool("get_customer")).outcome, Outcome::allow);
  EXPECT_EQ(e.effective_scopes({"mcp:write"}), (std::set<std::string>{"mcp:read", "mcp:write"}));
}

TEST(Policy, ClaimConditionOnArrayClaim) {
  Engine e(crm_policy());
  EXPECT_EQ(
      e.decide(who({"mcp:write"}, {{"groups", json::array{"sales", "crm-editors"}}}), tool("update_customer")).outcome,
      Outcome::allow);
  auto d = e.decide(who({"mcp:write"}, {{"groups", json::array{"sales"}}}), tool("update_customer"));
  EXPECT_EQ(d.outcome, Outcome::forbidden);  // no scope would help: no step-up challenge
  EXPECT_EQ(d.rule, "write-tools");
}

TEST(Policy, ClaimConditionOnStringClaimAndMissingClaim) {
  Engine e(crm_policy());
  EXPECT_EQ(e.decide(who({"mcp:write"}, {{"groups", "crm-editors"}}), tool("update_x")).outcome, Outcome::allow);
  EXPECT_EQ(e.decide(who({"mcp:write"}), tool("update_x")).outcome, Outcome::forbidden);
}

TEST(Policy, DenyRuleWinsOverBroaderAllow) {
  Engine e(crm_policy());
  auto d = e.decide(who({"mcp:read", "mcp:write"}), tool("search_export"));
  EXPECT_EQ(d.outcome, Outcome::forbidden);
  EXPECT_EQ(d.rule, "no-export");
}

TEST(Policy, DefaultDenyForUnmatchedTool) {
  Engine e(crm_policy());
  auto d = e.decide(who({"mcp:read", "mcp:write"}), tool("delete_everything"));
  EXPECT_EQ(d.outcome, Outcome::forbidden);
  EXPECT_EQ(d.rule, "default");
}

TEST(Policy, DefaultAllowWhenConfigured) {
  auto p = crm_policy();
  p.default_allow = true;
  Engine e(p);
  EXPECT_EQ(e.decide(who({}), tool("delete_everything")).outcome, Outcome::allow);
}

TEST(Policy, ResourcesMatchByUriPattern) {
  Engine e(crm_policy());
  Target t{TargetKind::resource, "crm://customers/42", "resources/read", "crm"};
  EXPECT_EQ(e.decide(who({"mcp:read"}), t).outcome, Outcome::allow);
  t.name = "crm://payroll/1";
  EXPECT_EQ(e.decide(who({"mcp:read"}), t).outcome, Outcome::forbidden);
}

TEST(Policy, MethodsWithoutTargetAreNotGoverned) {
  Engine e(crm_policy());
  EXPECT_EQ(e.decide(who({}), Target{TargetKind::none, "", "tools/list", "crm"}).outcome, Outcome::allow);
}

TEST(Policy, ClientCondition) {
  auto p = crm_policy();
  p.rules[0].clients = {"trusted-client"};
  Engine e(p);
  EXPECT_EQ(e.decide(who({"mcp:read"}), tool("get_customer")).outcome, Outcome::forbidden);
  auto s = who({"mcp:read"});
  s.client_id = "trusted-client";
  EXPECT_EQ(e.decide(s, tool("get_customer")).outcome, Outcome::allow);
}

TEST(Policy, AnyOfScopeSets) {
  Policy p;
  Rule r;
  r.id = "either";
  r.tools = {"x"};
  r.scopes = {{"a", "b"}, {"admin"}};
  p.rules = {r};
  Engine e(p);
  EXPECT_EQ(e.decide(who({"admin"}), tool("x")).outcome, Outcome::allow);
  EXPECT_EQ(e.decide(who({"a", "b"}), tool("x")).outcome, Outcome::allow);
  auto d = e.decide(who({"a"}), tool("x"));
  EXPECT_EQ(d.outcome, Outcome::insufficient_scope);
  EXPECT_EQ(d.scopes, (std::vector<std::string>{"admin"}));  // the set needing fewest more
}

TEST(Policy, ShadowRuleLetsThroughButRecordsTheDenial) {
  auto p = crm_policy();
  p.rules[3].shadow = true;  // no-export
  Engine e(p);
  auto d = e.decide(who({"mcp:read"}), tool("search_export"));
  EXPECT_EQ(d.outcome, Outcome::forbidden);
  EXPECT_EQ(d.rule, "no-export");
  EXPECT_TRUE(d.shadowed);
  EXPECT_TRUE(d.allowed());
}

TEST(Policy, ShadowEndpoint) {
  auto p = crm_policy();
  p.shadow = true;
  Engine e(p);
  auto d = e.decide(who({}), tool("update_customer"));
  EXPECT_NE(d.outcome, Outcome::allow);
  EXPECT_TRUE(d.allowed());
}

namespace {
struct Hints : ToolHints {
  std::optional<bool> read_only(const std::string&, const std::string& tool) const override {
    if (tool == "list_things") return true;
    if (tool == "drop_things") return false;
    return std::nullopt;
  }
};
}  // namespace

TEST(Policy, ReadOnlyHintDefaultIsOptInAndFailsClosed) {
  Policy p;
  p.read_only_hint_default = ReadOnlyHintDefault{};
  Engine e(p);
  Hints h;
  EXPECT_EQ(e.decide(who({"mcp:read"}), tool("list_things"), &h).outcome, Outcome::allow);
  auto d = e.decide(who({"mcp:read"}), tool("drop_things"), &h);
  EXPECT_EQ(d.outcome, Outcome::insufficient_scope);
  EXPECT_EQ(d.scopes, std::vector<std::string>{"mcp:write"});
  // Unknown annotations: treated as a write tool.
  EXPECT_EQ(e.decide(who({"mcp:read"}), tool("mystery"), &h).outcome, Outcome::insufficient_scope);
}

TEST(PolicyTarget, ReadFromTheBody) {
  json::object params{{"name", "get_customer"}};
  auto t = target_of("tools/call", &params);
  EXPECT_EQ(t.kind, TargetKind::tool);
  EXPECT_EQ(t.name, "get_customer");
  json::object read{{"uri", "crm://customers/1"}};
  EXPECT_EQ(target_of("resources/subscribe", &read).kind, TargetKind::resource);
  json::object complete{{"ref", json::object{{"type", "ref/prompt"}, {"name", "summary"}}}};
  auto c = target_of("completion/complete", &complete);
  EXPECT_EQ(c.kind, TargetKind::prompt);
  EXPECT_EQ(c.name, "summary");
  json::object weird{{"ref", json::object{{"type", "ref/other"}}}};
  EXPECT_EQ(target_of("completion/complete", &weird).kind, TargetKind::prompt);  // fail closed
  EXPECT_EQ(target_of("tools/list", nullptr).kind, TargetKind::none);
}

TEST(Policy, LiteralAndPatternRulesKeepFileOrder) {
  // Literal names are looked up in an index; the decision must still follow file order.
  Policy p;
  Rule pattern;
  pattern.id = "pattern";
  pattern.tools = {"get_*"};
  pattern.scopes = {{"a"}};
  Rule literal;
  literal.id = "literal";
  literal.tools = {"get_x"};
  p.rules = {pattern, literal};
  Engine e(p);
  EXPECT_EQ(e.decide(who({"a"}), tool("get_x")).rule, "pattern");
  EXPECT_EQ(e.decide(who({}), tool("get_x")).rule, "literal");
  EXPECT_EQ(e.decide(who({}), tool("get_y")).outcome, Outcome::insufficient_scope);
}

TEST(Policy, ThousandLiteralRules) {
  Policy p;
  for (int i = 0; i < 1000; ++i) {
    // Appended, not "x" + std::to_string(): g++ 12 -O3 warns falsely (-Wrestrict) on that.
    auto name = [](std::string prefix, int n) { return prefix.append(std::to_string(n)); };
    Rule r;
    r.id = name("r", i);
    r.tools = {name("tool_", i)};
    r.scopes = {{name("s", i % 7)}};
    p.rules.push_back(r);
  }
  Engine e(p);
  auto d = e.decide(who({"s3"}), tool("tool_500"));  // 500 % 7 == 3
  EXPECT_EQ(d.outcome, Outcome::allow);
  EXPECT_EQ(d.rule, "r500");
  EXPECT_EQ(e.decide(who({"s3"}), tool("tool_501")).scopes, std::vector<std::string>{"s4"});
}

// The rule index (literal names, glob heads and tails) only narrows which rules are tried: a
// rule is found through any of its patterns, file order still decides among allow rules, and a
// deny glob that starts with a wildcard still wins.
TEST(PolicyIndex, RuleWithLiteralAndGlobPatternsIsFoundThroughEither) {
  Policy p;
  Rule r;
  r.id = "mixed";
  r.tools = {"exact_tool", "pre_*", "*_post"};
  r.scopes = {{"mcp:read"}};
  p.rules = {r};
  Engine e(p);
  for (auto name : {"exact_tool", "pre_x", "x_post"}) EXPECT_EQ(e.decide(who({"mcp:read"}), tool(name)).rule, "mixed");
  EXPECT_EQ(e.decide(who({"mcp:read"}), tool("exact_tool2")).rule, "default");
}

TEST(PolicyIndex, FileOrderDecidesAmongAllowRulesFoundDifferently) {
  Policy p;
  Rule broad;
  broad.id = "broad";
  broad.tools = {"*"};
  broad.scopes = {{"a"}};
  Rule head;
  head.id = "head";
  head.tools = {"tool_1*"};
  Rule literal;
  literal.id = "literal";
  literal.tools = {"tool_12"};
  p.rules = {literal, head, broad};
  Engine e(p);
  EXPECT_EQ(e.decide(who({}), tool("tool_12")).rule, "literal");
  EXPECT_EQ(e.decide(who({}), tool("tool_13")).rule, "head");
  EXPECT_EQ(e.decide(who({"a"}), tool("other")).rule, "broad");
}

TEST(PolicyIndex, DenyGlobWithALeadingWildcardWins) {
  Engine e(crm_policy());
  auto d = e.decide(who({"mcp:read"}), tool("search_export"));
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(d.rule, "no-export");
}
