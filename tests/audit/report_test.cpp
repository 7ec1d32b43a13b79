// The report model and its renderings: exit codes by worst finding, the list summary line, the
// JSON shape (docs/audit.schema.json), the list file, and what reaches the terminal.
#include "audit/report.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

#include "audit/json_renderer.hpp"
#include "audit/list_runner.hpp"
#include "audit/table_renderer.hpp"

namespace mcpgate::audit {
namespace {

EndpointReport with(std::initializer_list<Verdict> verdicts) {
  EndpointReport r;
  r.url = "https://mcp.example/mcp";
  int i = 0;
  for (auto v : verdicts) r.findings.push_back({"prm.check" + std::to_string(i++), v, "seen", "RFC 9728", "fix it"});
  return r;
}

TEST(AuditReport, ExitCodeIsTheWorstFinding) {
  EXPECT_EQ(exit_code(with({Verdict::pass, Verdict::skipped})), kExitPass);
  EXPECT_EQ(exit_code(with({Verdict::pass, Verdict::warn, Verdict::skipped})), kExitWarn);
  EXPECT_EQ(exit_code(with({Verdict::warn, Verdict::fail})), kExitFail);
  auto down = with({});
  down.reachable = false;
  EXPECT_EQ(exit_code(down), kExitUnreachable);
  EXPECT_EQ(exit_code(std::vector<EndpointReport>{with({Verdict::fail}), down}), kExitUnreachable);
  EXPECT_EQ(exit_code(std::vector<EndpointReport>{with({Verdict::warn}), with({Verdict::pass})}), kExitWarn);
}

TEST(AuditReport, SummaryLineCountsUnauthenticatedServers) {
  std::vector<EndpointReport> rs(4);
  rs[0].anonymous_access = true;
  rs[2].anonymous_access = true;
  EXPECT_EQ(unauthenticated_summary(rs), "2 of 4 servers accept unauthenticated requests");
  rs[3].reachable = false;
  EXPECT_EQ(unauthenticated_summary(rs), "2 of 4 servers accept unauthenticated requests (1 unreachable)");
}

TEST(AuditReport, JsonCarriesSchemaVersionAndEveryCheck) {
  auto r = with({Verdict::pass, Verdict::fail});
  r.requests = 7;
  r.request_budget = 32;
  auto o = to_json(std::vector<EndpointReport>{r});
  EXPECT_EQ(o.at("schema_version").as_int64(), 1);
  EXPECT_EQ(o.at("summary").at("exit_code").as_int64(), kExitFail);
  auto& e = o.at("endpoints").at(0).as_object();
  EXPECT_EQ(e.at("verdict").as_string(), "fail");
  EXPECT_EQ(e.at("requests").to_number<std::int64_t>(), 7);
  auto& c = e.at("checks").at(1).as_object();
  EXPECT_EQ(c.at("group").as_string(), "prm");
  EXPECT_EQ(c.at("verdict").as_string(), "fail");
  EXPECT_EQ(c.at("fix").as_string(), "fix it");
}

TEST(AuditReport, ListFileSkipsCommentsAndBlankLines) {
  auto urls = parse_url_list("# servers\nhttps://a.example/mcp\n\n  http://127.0.0.1:1/mcp  # local\n#x\n");
  ASSERT_TRUE(urls);
  EXPECT_EQ(*urls, (std::vector<std::string>{"https://a.example/mcp", "http://127.0.0.1:1/mcp"}));
  EXPECT_FALSE(parse_url_list("https://a.example/mcp https://b.example/mcp\n"));
}

// A hostile server's text (its error message, its resource URL) must not drive the terminal.
TEST(AuditReport, TerminalSafeRemovesEscapeSequencesKeepsUtf8) {
  EXPECT_EQ(terminal_safe("a\x1b[2Jb"), "a?[2Jb");
  EXPECT_EQ(terminal_safe("x\xc2\x9b"
                          "31m"),
            "x?31m");  // C1 CSI, UTF-8 encoded
  EXPECT_EQ(terminal_safe("\xff ok"), "? ok");
  EXPECT_EQ(terminal_safe("scope=\"…\" → 403"), "scope=\"…\" → 403");
}

TEST(AuditReport, TableShowsFixOnlyForWarningsAndFailures) {
  auto r = with({Verdict::pass, Verdict::fail});
  std::ostringstream out;
  render_table(out, r, false);
  auto text = out.str();
  EXPECT_NE(text.find("fail    prm.check1"), std::string::npos) << text;
  EXPECT_EQ(text.find("fix: fix it"), text.rfind("fix: fix it")) << text;  // once, under the failure
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  std::ostringstream coloured;
  render_table(coloured, r, true);
  EXPECT_NE(coloured.str().find("\x1b[31m"), std::string::npos);
}

}  // namespace
}  // namespace mcpgate::audit
