// Per-user allowed scopes: the authorization server grants what was asked for and the signed-in
// user may have (RFC 6749 §3.3: it may issue fewer scopes than requested, and then MUST name the
// granted ones in the token response's `scope`).
#include "authserver/user_scopes.hpp"

#include <boost/json.hpp>

#include "harness.hpp"
#include "oauth/jws.hpp"

namespace mcpgate::authserver::testing {
namespace {
namespace json = boost::json;

json::object body_json(const Reply& r) {
  auto v = json::parse(r.body);
  return v.is_object() ? v.as_object() : json::object{};
}
std::string str(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
std::string claim_scope(const std::string& jwt) {
  auto jws = oauth::parse_jws(jwt);
  return jws ? str(json::parse(jws->payload).as_object(), "scope") : std::string();
}
void set_scope(Harness& h, const std::string& user, const std::string& scope) {
  auto u = h.as->store().get_user(user);
  ASSERT_TRUE(u && *u);
  auto rec = **u;
  rec.scope = scope;
  ASSERT_TRUE(h.as->store().put_user(rec));
}

TEST(UserScopes, GrantIsTheIntersectionInRequestOrder) {
  auto g = grant_for_user({"mcp:write", "mcp:read"}, "mcp:read other");
  EXPECT_EQ(g.granted, std::vector<std::string>{"mcp:read"});
  EXPECT_EQ(g.withheld, std::vector<std::string>{"mcp:write"});
  auto any = grant_for_user({"mcp:write", "mcp:read"}, "");
  EXPECT_EQ(any.granted, (std::vector<std::string>{"mcp:write", "mcp:read"}));
  EXPECT_TRUE(any.withheld.empty());
}

TEST(UserScopes, OperatorTextIsNormalizedAndMalformedScopesRefused) {
  bool ok = false;
  EXPECT_EQ(normalize_user_scope(" mcp:read,mcp:write  mcp:read ", ok), "mcp:read mcp:write");
  EXPECT_TRUE(ok);
  EXPECT_EQ(normalize_user_scope("", ok), "");
  EXPECT_TRUE(ok);
  EXPECT_EQ(normalize_user_scope("mcp:read \"x\"", ok), "");
  EXPECT_FALSE(ok);
}

// RFC 6749 §3.3: fewer scopes than requested, named in the token response.
TEST(UserScopes, ReaderAskingForWriteGetsReadOnlyAndTheResponseSaysSo) {
  Harness h;
  set_scope(h, "alice", "mcp:read");
  auto location = h.authorize_and_consent({{"scope", "mcp:read mcp:write"}});
  auto code = query_of(location)["code"];
  ASSERT_FALSE(code.empty()) << location;
  auto r = h.redeem(code);
  ASSERT_EQ(r.status, 200u) << r.body;
  auto t = body_json(r);
  EXPECT_EQ(str(t, "scope"), "mcp:read");
  EXPECT_EQ(claim_scope(str(t, "access_token")), "mcp:read");
}

TEST(UserScopes, ConsentPageShowsWhatIsGrantedAndWhatIsNotAvailable) {
  Harness h;
  set_scope(h, "alice", "mcp:read");
  auto page = h.get(h.authorize_url({{"scope", "mcp:read mcp:write"}}));
  ASSERT_EQ(page.status, 200u);
  auto consent = h.post("/authorize/login", "request_id=" + percent_encode(scrape(page.body, "request_id")) +
                                                "&csrf_token=" + percent_encode(scrape(page.body, "csrf_token")) +
                                                "&username=alice&password=alice-password");
  ASSERT_EQ(consent.status, 200u) << consent.body;
  auto granted = consent.body.substr(consent.body.find("id=\"scopes\""));
  granted = granted.substr(0, granted.find("</ul>"));
  EXPECT_NE(granted.find("mcp:read"), std::string::npos);
  EXPECT_EQ(granted.find("mcp:write"), std::string::npos);
  auto withheld = consent.body.find("id=\"withheld\"");
  ASSERT_NE(withheld, std::string::npos);
  EXPECT_NE(consent.body.find("mcp:write", withheld), std::string::npos);
}

// Step-up with a remembered session and consent: a reader is not sent round an error loop; the
// code comes back at once, for what the reader may have.
TEST(UserScopes, SignedInReaderSteppingUpGetsACodeForTheReadScope) {
  Harness h;
  set_scope(h, "alice", "mcp:read");
  ASSERT_FALSE(h.code_for().empty());  // signs in, approves mcp:read
  auto again = h.get(h.authorize_url({{"scope", "mcp:read mcp:write"}}));
  ASSERT_EQ(again.status, 302u) << again.body;
  auto code = query_of(again.header("location"))["code"];
  ASSERT_FALSE(code.empty()) << again.header("location");
  EXPECT_EQ(str(body_json(h.redeem(code)), "scope"), "mcp:read");
}

TEST(UserScopes, NothingAvailableIsAccessDeniedToTheClient) {
  Harness h;
  set_scope(h, "alice", "mcp:read");
  auto location = h.authorize_and_consent({{"scope", "mcp:write"}});
  auto q = query_of(location);
  EXPECT_EQ(q["error"], "access_denied") << location;
  EXPECT_EQ(q["state"], "st-123");
  EXPECT_TRUE(q["code"].empty());
}

TEST(UserScopes, UnrestrictedUserGetsEverythingAsked) {
  Harness h;
  auto t = body_json(h.redeem(h.code_for({{"scope", "mcp:read mcp:write"}})));
  EXPECT_EQ(str(t, "scope"), "mcp:read mcp:write");
}

// A scope taken from a user stops at the next refresh, not only at the next sign-in.
TEST(UserScopes, RefreshFollowsAScopeTakenAway) {
  Harness h;
  auto t = body_json(h.redeem(h.code_for({{"scope", "mcp:read mcp:write"}})));
  ASSERT_EQ(str(t, "scope"), "mcp:read mcp:write");
  set_scope(h, "alice", "mcp:read");
  auto r = h.post("/token", "grant_type=refresh_token&client_id=public&refresh_token=" + str(t, "refresh_token"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(str(body_json(r), "scope"), "mcp:read");
  EXPECT_EQ(claim_scope(str(body_json(r), "access_token")), "mcp:read");
}

}  // namespace
}  // namespace mcpgate::authserver::testing
