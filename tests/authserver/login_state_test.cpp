// The sign-in state between the pages of an authorization (login_state_store.hpp): the store's
// contract (expiry, single use under concurrency), its JSON form for a shared store, and how the
// pages behave when the store fails or another replica decides a request first.
#include <gtest/gtest.h>

#include <thread>

#include "authserver/login_state_json.hpp"
#include "authserver/login_state_store.hpp"
#include "harness.hpp"

namespace mcpgate::authserver {
namespace {
using testing::Harness;
using testing::query_of;
using testing::scrape;

Pending sample_pending(Seconds expires_at) {
  Pending p;
  p.session_id = "sid-1";
  p.client.client_id = "https://app.example.com/client.json";
  p.client.kind = ClientKind::metadata_document;
  p.client.client_name = "App \"quoted\" <b>";
  p.client.redirect_uris = {"http://127.0.0.1/cb", "https://app.example.com/cb"};
  p.client.secret_hash = "must-not-travel";
  p.redirect_uri = "http://127.0.0.1/cb";
  p.state = "st";
  p.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  p.resource = "https://mcp.example.com/mcp";
  p.scopes = {"mcp:read"};
  p.requested = {"mcp:read", "mcp:write"};
  p.withheld = {"mcp:write"};
  p.force_consent = true;
  p.expires_at = expires_at;
  return p;
}

// --- The store's contract. A shared store runs the same tests (redis_login_state_test.cpp). ---

TEST(MemoryLoginState, EntriesExpireAtTheirTime) {
  MemoryLoginStateStore st;
  ASSERT_TRUE(st.put_session("s", Session{"csrf", "", 0, 100}, 10));
  ASSERT_TRUE(st.put_pending("r", sample_pending(50), 10));
  EXPECT_TRUE(st.get_session("s", 99).value().has_value());
  EXPECT_FALSE(st.get_session("s", 100).value().has_value());
  EXPECT_TRUE(st.get_pending("r", 49).value().has_value());
  EXPECT_FALSE(st.get_pending("r", 50).value().has_value());
  EXPECT_FALSE(st.take_pending("r", 50).value().has_value()) << "an expired request cannot be decided";
}

TEST(MemoryLoginState, ReplaceNeverBringsBackATakenRequest) {
  MemoryLoginStateStore st;
  ASSERT_TRUE(st.put_pending("r", sample_pending(100), 10));
  ASSERT_TRUE(st.take_pending("r", 10).value().has_value());
  ASSERT_TRUE(st.replace_pending("r", sample_pending(100), 10));
  EXPECT_FALSE(st.get_pending("r", 10).value().has_value());
}

// RFC 9700 §4.5 and MCP security best practices ("single-use state"): of many takers of one
// pending request, exactly one gets it.
TEST(MemoryLoginState, TakeIsSingleUseUnderConcurrency) {
  MemoryLoginStateStore st;
  for (int round = 0; round < 20; ++round) {
    auto id = "r" + std::to_string(round);
    ASSERT_TRUE(st.put_pending(id, sample_pending(100), 10));
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
      threads.emplace_back([&] {
        auto t = st.take_pending(id, 10);
        if (t && *t) ++winners;
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners.load(), 1) << id;
  }
}

TEST(MemoryLoginState, BoundedPastMaxEntries) {
  MemoryLoginStateStore st(4);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(st.put_session("s" + std::to_string(i), Session{"c", "", 0, 100}, 10));
  int present = 0;
  for (int i = 0; i < 10; ++i) present += st.get_session("s" + std::to_string(i), 10).value().has_value();
  EXPECT_LE(present, 4);
  EXPECT_TRUE(st.get_session("s9", 10).value().has_value()) << "the newest entry is kept";
}

// --- JSON for a shared store. ---

// RFC 7523 §3 item 7 (a jti used once): the first use wins, a second is refused while the value is
// remembered, and it is forgotten once the value itself has expired.
TEST(MemoryLoginState, UseOnceRemembersUntilTheValueExpires) {
  MemoryLoginStateStore s;
  EXPECT_TRUE(*s.use_once("ca:c:j1", 100, 10));
  EXPECT_FALSE(*s.use_once("ca:c:j1", 100, 50));
  EXPECT_TRUE(*s.use_once("ca:c:j2", 100, 50));
  s.expire(100);
  EXPECT_TRUE(*s.use_once("ca:c:j1", 200, 101));
}

TEST(LoginStateJson, SessionAndPendingRoundTrip) {
  Session s{"csrf-token", "alice", 123, 456};
  auto back = session_from_json(session_to_json(s));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->csrf, "csrf-token");
  EXPECT_EQ(back->user, "alice");
  EXPECT_EQ(back->auth_time, 123);
  EXPECT_EQ(back->expires_at, 456);

  auto p = sample_pending(789);
  auto text = pending_to_json(p);
  EXPECT_EQ(text.find("must-not-travel"), std::string::npos) << "the client's secret hash stays out";
  auto q = pending_from_json(text);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->session_id, p.session_id);
  EXPECT_EQ(q->client.client_id, p.client.client_id);
  EXPECT_EQ(q->client.kind, ClientKind::metadata_document);
  EXPECT_EQ(q->client.client_name, p.client.client_name);
  EXPECT_EQ(q->client.redirect_uris, p.client.redirect_uris);
  EXPECT_EQ(q->client.grant_types, p.client.grant_types);
  EXPECT_EQ(q->redirect_uri, p.redirect_uri);
  EXPECT_EQ(q->state, p.state);
  EXPECT_EQ(q->code_challenge, p.code_challenge);
  EXPECT_EQ(q->resource, p.resource);
  EXPECT_EQ(q->scopes, p.scopes);
  EXPECT_EQ(q->requested, p.requested);
  EXPECT_EQ(q->withheld, p.withheld);
  EXPECT_TRUE(q->force_consent);
  EXPECT_EQ(q->expires_at, 789);
}

TEST(LoginStateJson, MalformedOrTamperedReadsAsAnErrorNeverAPartialRecord) {
  for (std::string bad : {"", "[]", "{", R"({"csrf":"x","user":"a","auth_time":1})",
                          R"({"csrf":1,"user":"a","auth_time":1,"expires_at":2})",
                          R"({"csrf":"x","csrf":"y","user":"a","auth_time":1,"expires_at":2})"})
    EXPECT_FALSE(session_from_json(bad)) << bad;
  auto text = pending_to_json(sample_pending(1));
  auto kind = text.find("metadata_document");
  ASSERT_NE(kind, std::string::npos);
  auto tampered = text;
  tampered.replace(kind, 17, "administrator");
  EXPECT_FALSE(pending_from_json(tampered)) << "an unknown client kind is not read as a pre-registered one";
  auto no_scopes = text;
  no_scopes.replace(no_scopes.find("\"scopes\""), 8, "\"scopex\"");
  EXPECT_FALSE(pending_from_json(no_scopes));
}

// --- The pages over a store that fails or is raced. ---

// The in-memory store, with an outage switch and a competing replica.
class SwitchableLoginState final : public LoginStateStore {
 public:
  std::atomic<bool> down{false};
  // The next take_pending finds the request already taken, as if another replica decided it
  // between this replica's check and its take.
  std::atomic<bool> race_next_take{false};
  MemoryLoginStateStore inner;

  Result<void> put_session(const std::string& id, const Session& s, Seconds now) override {
    if (down) return fail("connection refused");
    return inner.put_session(id, s, now);
  }
  Result<std::optional<Session>> get_session(const std::string& id, Seconds now) override {
    if (down) return fail("connection refused");
    return inner.get_session(id, now);
  }
  Result<void> erase_session(const std::string& id) override {
    if (down) return fail("connection refused");
    return inner.erase_session(id);
  }
  Result<void> put_pending(const std::string& id, const Pending& p, Seconds now) override {
    if (down) return fail("connection refused");
    return inner.put_pending(id, p, now);
  }
  Result<void> replace_pending(const std::string& id, const Pending& p, Seconds now) override {
    if (down) return fail("connection refused");
    return inner.replace_pending(id, p, now);
  }
  Result<std::optional<Pending>> get_pending(const std::string& id, Seconds now) override {
    if (down) return fail("connection refused");
    return inner.get_pending(id, now);
  }
  Result<std::optional<Pending>> take_pending(const std::string& id, Seconds now) override {
    if (down) return fail("connection refused");
    if (race_next_take.exchange(false)) (void)inner.take_pending(id, now);
    return inner.take_pending(id, now);
  }
  Result<bool> use_once(const std::string& key, Seconds expires_at, Seconds now) override {
    if (down) return fail("connection refused");
    return inner.use_once(key, expires_at, now);
  }
};

std::string login_form(const testing::Reply& page, const std::string& password = "alice-password") {
  return "request_id=" + percent_encode(scrape(page.body, "request_id")) +
         "&csrf_token=" + percent_encode(scrape(page.body, "csrf_token")) + "&username=alice&password=" + password;
}

std::string consent_form(const testing::Reply& page, const std::string& decision = "approve") {
  return "request_id=" + percent_encode(scrape(page.body, "request_id")) +
         "&csrf_token=" + percent_encode(scrape(page.body, "csrf_token")) + "&decision=" + decision;
}

TEST(LoginStateDown, AuthorizePageIs503WithoutACookieAndRecoversWithoutRestart) {
  auto st = std::make_shared<SwitchableLoginState>();
  Harness h({}, nullptr, st);
  st->down = true;
  auto r = h.get(h.authorize_url());
  EXPECT_EQ(r.status, 503u);
  EXPECT_FALSE(r.header("retry-after").empty());
  EXPECT_TRUE(r.header("set-cookie").empty()) << "no session id is handed out that nothing holds";
  st->down = false;
  auto code = h.code_for();
  EXPECT_FALSE(code.empty());
  EXPECT_EQ(h.redeem(code).status, 200u);
}

TEST(LoginStateDown, LoginPostIs503AndSignsNobodyIn) {
  auto st = std::make_shared<SwitchableLoginState>();
  Harness h({}, nullptr, st);
  auto page = h.get(h.authorize_url());
  ASSERT_EQ(page.status, 200u);
  auto cookie = h.cookie;
  st->down = true;
  auto r = h.post("/authorize/login", login_form(page));
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(h.cookie, cookie) << "no signed-in session cookie on a failed sign-in";
  st->down = false;
  // The same form, once the state is back: the sign-in completes.
  auto consent = h.post("/authorize/login", login_form(page));
  ASSERT_EQ(consent.status, 200u);
  auto done = h.post("/authorize/consent", consent_form(consent));
  ASSERT_EQ(done.status, 303u);
  EXPECT_FALSE(query_of(done.header("location"))["code"].empty());
}

TEST(LoginStateDown, ConsentPostIs503AndIssuesNoCode) {
  auto st = std::make_shared<SwitchableLoginState>();
  Harness h({}, nullptr, st);
  auto page = h.post("/authorize/login", login_form(h.get(h.authorize_url())));
  ASSERT_EQ(page.status, 200u);
  st->down = true;
  auto r = h.post("/authorize/consent", consent_form(page));
  EXPECT_EQ(r.status, 503u);
  EXPECT_TRUE(r.header("location").empty());
  st->down = false;
  auto done = h.post("/authorize/consent", consent_form(page));
  ASSERT_EQ(done.status, 303u) << "the request was not consumed by the failed attempt";
  EXPECT_FALSE(query_of(done.header("location"))["code"].empty());
}

// Bug pinned: the consent post read the pending request, then erased it without checking that
// it was still there, so two posts of one form racing (two tabs, or two replicas of one
// deployment) each issued a code. MCP security best practices: consent state is single-use.
TEST(SingleUse, ConsentDecidedElsewhereMeanwhileIssuesNoSecondCode) {
  auto st = std::make_shared<SwitchableLoginState>();
  Harness h({}, nullptr, st);
  auto page = h.post("/authorize/login", login_form(h.get(h.authorize_url())));
  ASSERT_EQ(page.status, 200u);
  st->race_next_take = true;
  auto r = h.post("/authorize/consent", consent_form(page));
  EXPECT_EQ(r.status, 403u);
  EXPECT_TRUE(r.header("location").empty()) << "no code for a request another post already decided";
}

TEST(SingleUse, ReplayedConsentFormIsRefused) {
  Harness h;
  auto page = h.post("/authorize/login", login_form(h.get(h.authorize_url())));
  ASSERT_EQ(page.status, 200u);
  auto first = h.post("/authorize/consent", consent_form(page));
  ASSERT_EQ(first.status, 303u);
  auto replay = h.post("/authorize/consent", consent_form(page));
  EXPECT_EQ(replay.status, 403u);
  EXPECT_TRUE(replay.header("location").empty());
}

}  // namespace
}  // namespace mcpgate::authserver
