// Behaviour of the authorization server over HTTP: the flows, and every attack the design names.
#include <boost/json.hpp>

#include "authserver/metadata_fetcher.hpp"
#include "harness.hpp"
#include "oauth/jws.hpp"
#include "oauth/token_minter.hpp"

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
json::object claims_of(const std::string& jwt) {
  auto jws = oauth::parse_jws(jwt);
  return jws ? json::parse(jws->payload).as_object() : json::object{};
}

TEST(Metadata, ServesRfc8414AndOidcDocuments) {
  Harness h;
  for (auto path : {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}) {
    auto r = h.get(path);
    ASSERT_EQ(r.status, 200u) << path;
    EXPECT_EQ(r.header("content-type"), "application/json");
    auto m = body_json(r);
    EXPECT_EQ(str(m, "issuer"), h.base);
    EXPECT_EQ(str(m, "authorization_endpoint"), h.base + "/authorize");
    EXPECT_EQ(str(m, "token_endpoint"), h.base + "/token");
    EXPECT_EQ(str(m, "registration_endpoint"), h.base + "/register");
    EXPECT_EQ(str(m, "jwks_uri"), h.base + "/jwks");
    EXPECT_EQ(m.at("code_challenge_methods_supported"), json::array{"S256"});
    EXPECT_EQ(m.at("response_types_supported"), json::array{"code"});
    EXPECT_EQ(m.at("client_id_metadata_document_supported"), true);
    EXPECT_EQ(m.at("authorization_response_iss_parameter_supported"), true);
    EXPECT_EQ(m.at("grant_types_supported").as_array().size(), 5u);
    EXPECT_EQ(m.at("token_endpoint_auth_methods_supported").as_array().size(), 4u);
  }
}

TEST(Metadata, PathIssuerGetsSuffixedWellKnownAndPrefixedEndpoints) {
  Harness h([](Options& o) { o.issuer += "/tenant1"; });
  auto r = h.get("/.well-known/oauth-authorization-server/tenant1");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(str(body_json(r), "issuer"), h.base + "/tenant1");
  EXPECT_EQ(str(body_json(r), "token_endpoint"), h.base + "/tenant1/token");
  EXPECT_EQ(h.get("/tenant1/.well-known/openid-configuration").status, 200u);
  EXPECT_EQ(h.get("/.well-known/oauth-authorization-server").status, 404u);
}

TEST(Jwks, PublishesCurrentAndNextKeys) {
  Harness h;
  auto r = h.get("/jwks");
  ASSERT_EQ(r.status, 200u);
  auto keys = body_json(r).at("keys").as_array();
  EXPECT_EQ(keys.size(), 2u);
  for (auto& k : keys) EXPECT_FALSE(k.as_object().contains("d")) << "private key material published";
}

TEST(CodeFlow, IssuesRfc9068AccessTokenAndRefreshToken) {
  Harness h;
  auto location = h.authorize_and_consent();
  ASSERT_TRUE(location.starts_with("http://127.0.0.1:5555/callback?")) << location;
  auto q = query_of(location);
  EXPECT_EQ(q["state"], "st-123");
  EXPECT_EQ(q["iss"], h.base);
  auto r = h.redeem(q["code"]);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("cache-control"), "no-store");
  auto t = body_json(r);
  EXPECT_EQ(str(t, "token_type"), "Bearer");
  EXPECT_FALSE(str(t, "refresh_token").empty());
  auto jws = oauth::parse_jws(str(t, "access_token"));
  ASSERT_TRUE(jws);
  EXPECT_EQ(jws->header.typ, "at+jwt");
  EXPECT_TRUE(jws->header.kid);
  auto c = claims_of(str(t, "access_token"));
  EXPECT_EQ(str(c, "iss"), h.base);
  EXPECT_EQ(str(c, "sub"), "alice");
  EXPECT_EQ(str(c, "aud"), h.resource);
  EXPECT_EQ(str(c, "client_id"), "public");
  EXPECT_EQ(str(c, "scope"), "mcp:read");
  EXPECT_FALSE(str(c, "jti").empty());
  EXPECT_EQ(c.at("exp").as_int64() - c.at("iat").as_int64(), 300);
}

TEST(CodeFlow, RememberedConsentSkipsThePages) {
  Harness h;
  h.authorize_and_consent();
  auto again = h.get(h.authorize_url());
  ASSERT_EQ(again.status, 302u);
  EXPECT_FALSE(query_of(again.header("location"))["code"].empty());
  // A different scope set is a different consent.
  EXPECT_EQ(h.get(h.authorize_url({{"scope", "mcp:read mcp:write"}})).status, 200u);
}

TEST(Pkce, MissingOrPlainChallengeIsRefusedWithRedirectCarryingIss) {
  Harness h;
  for (auto over :
       std::vector<std::map<std::string, std::string>>{{{"code_challenge", ""}, {"code_challenge_method", ""}},
                                                       {{"code_challenge_method", "plain"}},
                                                       {{"code_challenge_method", ""}},
                                                       {{"code_challenge", "short"}}}) {
    auto r = h.get(h.authorize_url(over));
    ASSERT_EQ(r.status, 302u);
    auto q = query_of(r.header("location"));
    EXPECT_EQ(q["error"], "invalid_request");
    EXPECT_EQ(q["iss"], h.base);
    EXPECT_EQ(q["state"], "st-123");
  }
}

TEST(Pkce, WrongVerifierFailsAndBurnsTheCode) {
  Harness h;
  auto code = h.code_for();
  auto bad = h.redeem(code, "public", "http://127.0.0.1:5555/callback", std::string(50, 'x'));
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(str(body_json(bad), "error"), "invalid_grant");
  EXPECT_EQ(h.redeem(code).status, 400u) << "a code that failed PKCE must not be retried";
}

TEST(Code, ReuseFailsAndRevokesWhatTheFirstUseIssued) {
  Harness h;
  auto code = h.code_for();
  auto first = h.redeem(code);
  ASSERT_EQ(first.status, 200u);
  auto t = body_json(first);
  auto jti = str(claims_of(str(t, "access_token")), "jti");
  EXPECT_FALSE(h.as->is_revoked(jti));
  auto second = h.redeem(code);
  EXPECT_EQ(second.status, 400u);
  EXPECT_EQ(str(body_json(second), "error"), "invalid_grant");
  EXPECT_TRUE(h.as->is_revoked(jti));
  auto refresh = h.post("/token", "grant_type=refresh_token&client_id=public&refresh_token=" + str(t, "refresh_token"));
  EXPECT_EQ(refresh.status, 400u) << "refresh token from a replayed code must be dead";
}

TEST(Code, ExpiresAfterItsTtl) {
  Harness h;
  auto code = h.code_for();
  h.clock.advance(std::chrono::seconds(61));
  EXPECT_EQ(h.redeem(code).status, 400u);
}

TEST(Code, BoundToClientRedirectAndResource) {
  Harness h;
  auto code = h.code_for();
  EXPECT_EQ(h.redeem(code, "conf").status, 400u);
  code = h.code_for();
  EXPECT_EQ(h.redeem(code, "public", "http://127.0.0.1:5556/callback").status, 400u);
  code = h.code_for();
  auto r = h.post("/token", "grant_type=authorization_code&client_id=public&code=" + code +
                                "&redirect_uri=http%3A%2F%2F127.0.0.1%3A5555%2Fcallback&code_verifier=" + h.verifier +
                                "&resource=" + percent_encode(h.base + "/other"));
  EXPECT_EQ(r.status, 400u);
}

TEST(Redirect, MismatchesAreShownNotRedirected) {
  Harness h;
  for (auto uri :
       {"http://127.0.0.1:5555/callback/extra", "http://127.0.0.1:5555/Callback", "HTTP://127.0.0.1:5555/callback",
        "http://evil@127.0.0.1:5555/callback", "http://127.0.0.1:5555/callback#frag",
        "http://127.0.0.1:5555/callback?x=1", "https://app.example.com/cb", "https://app.example.com/cb?x=1&y=2",
        "https://app.example.com:444/cb?x=1", "https://evil.example.com/cb?x=1", "http://127.0.0.2:5555/callback",
        "http://127.0.0.1:80@evil.com/callback"}) {
    auto r = h.get(h.authorize_url({{"redirect_uri", uri}}));
    EXPECT_EQ(r.status, 400u) << uri;
    EXPECT_EQ(r.header("location"), "") << uri;
  }
  EXPECT_EQ(h.get(h.authorize_url({{"redirect_uri", "https://app.example.com/cb?x=1"}})).status, 200u);
  EXPECT_EQ(h.get(h.authorize_url({{"redirect_uri", "http://127.0.0.1/callback"}})).status, 200u);
}

TEST(Authorize, UnknownClientIsShownNotRedirected) {
  Harness h;
  auto r = h.get(h.authorize_url({{"client_id", "nobody"}}));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.header("location"), "");
}

TEST(Authorize, MissingStateIsRefused) {
  Harness h;
  auto r = h.get(h.authorize_url({{"state", ""}}));
  ASSERT_EQ(r.status, 302u);
  auto q = query_of(r.header("location"));
  EXPECT_EQ(q["error"], "invalid_request");
  EXPECT_EQ(q["iss"], h.base);
}

TEST(Authorize, ResourceIsRequiredAndMustBeProtected) {
  Harness h;
  EXPECT_EQ(query_of(h.get(h.authorize_url({{"resource", ""}})).header("location"))["error"], "invalid_target");
  EXPECT_EQ(
      query_of(h.get(h.authorize_url({{"resource", "https://elsewhere.example/mcp"}})).header("location"))["error"],
      "invalid_target");
  EXPECT_EQ(query_of(h.get(h.authorize_url({{"scope", "admin"}})).header("location"))["error"], "invalid_scope");
}

TEST(Authorize, DuplicateParametersAreRefused) {
  Harness h;
  auto r = h.get(h.authorize_url() + "&client_id=conf");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.header("location"), "");
}

TEST(Pages, LoginAndConsentCannotBeFramedAndEscapeClientNames) {
  Harness h;
  auto r = h.get(h.authorize_url());
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("x-frame-options"), "DENY");
  EXPECT_NE(r.header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(r.header("cache-control"), "no-store");
  EXPECT_NE(r.header("set-cookie").find("HttpOnly"), std::string::npos);
  EXPECT_NE(r.header("set-cookie").find("SameSite=Lax"), std::string::npos);
  EXPECT_EQ(r.body.find("<Client>"), std::string::npos);
  EXPECT_NE(r.body.find("Public &lt;Client&gt;"), std::string::npos);
}

TEST(Pages, HttpsIssuerUsesHostPrefixedSecureCookie) {
  Harness h([](Options& o) { o.issuer = "https://as.example.com"; });
  auto r = h.get(h.authorize_url());
  auto c = r.header("set-cookie");
  EXPECT_TRUE(c.starts_with("__Host-mcpgate-as=")) << c;
  EXPECT_NE(c.find("; Secure"), std::string::npos);
  EXPECT_NE(c.find("Path=/"), std::string::npos);
}

TEST(Csrf, ConsentWithoutTheSessionsTokenIsRefused) {
  Harness h;
  auto page = h.get(h.authorize_url());
  auto rid = scrape(page.body, "request_id");
  auto csrf = scrape(page.body, "csrf_token");
  auto login = h.post("/authorize/login",
                      "request_id=" + rid + "&csrf_token=" + csrf + "&username=alice&password=alice-password");
  ASSERT_EQ(login.status, 200u);
  auto rid2 = scrape(login.body, "request_id");
  auto csrf2 = scrape(login.body, "csrf_token");
  EXPECT_NE(csrf2, csrf) << "session and CSRF token must change at login";
  EXPECT_EQ(h.post("/authorize/consent", "request_id=" + rid2 + "&csrf_token=" + csrf + "&decision=approve").status,
            403u);
  EXPECT_EQ(h.post("/authorize/consent", "request_id=" + rid2 + "&decision=approve").status, 403u);
  auto saved = h.cookie;
  h.cookie.clear();  // a cross-site form post from another browser
  EXPECT_EQ(h.post("/authorize/consent", "request_id=" + rid2 + "&csrf_token=" + csrf2 + "&decision=approve").status,
            403u);
  h.cookie = saved;
  auto ok = h.post("/authorize/consent", "request_id=" + rid2 + "&csrf_token=" + csrf2 + "&decision=approve");
  EXPECT_EQ(ok.status, 303u);
}

TEST(Csrf, LoginFormNeedsTheToken) {
  Harness h;
  auto page = h.get(h.authorize_url());
  auto rid = scrape(page.body, "request_id");
  EXPECT_EQ(
      h.post("/authorize/login", "request_id=" + rid + "&csrf_token=forged&username=alice&password=alice-password")
          .status,
      403u);
}

TEST(Consent, DenyRedirectsAccessDeniedWithIss) {
  Harness h;
  auto page = h.get(h.authorize_url());
  page = h.post("/authorize/login", "request_id=" + scrape(page.body, "request_id") + "&csrf_token=" +
                                        scrape(page.body, "csrf_token") + "&username=alice&password=alice-password");
  auto r = h.post("/authorize/consent", "request_id=" + scrape(page.body, "request_id") +
                                            "&csrf_token=" + scrape(page.body, "csrf_token") + "&decision=deny");
  ASSERT_EQ(r.status, 303u);
  auto q = query_of(r.header("location"));
  EXPECT_EQ(q["error"], "access_denied");
  EXPECT_EQ(q["iss"], h.base);
  EXPECT_EQ(q["state"], "st-123");
}

TEST(Login, BruteForceIsLimitedPerUser) {
  Harness h;
  auto page = h.get(h.authorize_url());
  auto rid = scrape(page.body, "request_id");
  auto csrf = scrape(page.body, "csrf_token");
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(h.post("/authorize/login",
                     "request_id=" + rid + "&csrf_token=" + csrf + "&username=alice&password=guess" + std::to_string(i))
                  .status,
              401u);
  auto limited = h.post("/authorize/login",
                        "request_id=" + rid + "&csrf_token=" + csrf + "&username=alice&password=alice-password");
  EXPECT_EQ(limited.status, 429u) << "the right password must not get through while limited";
  h.clock.advance(std::chrono::minutes(16));
  page = h.get(h.authorize_url());
  EXPECT_EQ(h.post("/authorize/login", "request_id=" + scrape(page.body, "request_id") + "&csrf_token=" +
                                           scrape(page.body, "csrf_token") + "&username=alice&password=alice-password")
                .status,
            200u);
}

TEST(Login, UnknownUserLooksLikeWrongPassword) {
  Harness h;
  auto page = h.get(h.authorize_url());
  auto r = h.post("/authorize/login", "request_id=" + scrape(page.body, "request_id") + "&csrf_token=" +
                                          scrape(page.body, "csrf_token") + "&username=mallory&password=x");
  EXPECT_EQ(r.status, 401u);
  EXPECT_NE(r.body.find("Wrong username or password"), std::string::npos);
}

TEST(Refresh, RotatesAndReuseRevokesTheFamily) {
  Harness h;
  auto t1 = body_json(h.redeem(h.code_for()));
  auto r1 = str(t1, "refresh_token");
  auto a = h.post("/token", "grant_type=refresh_token&client_id=public&refresh_token=" + r1);
  ASSERT_EQ(a.status, 200u) << a.body;
  auto r2 = str(body_json(a), "refresh_token");
  ASSERT_FALSE(r2.empty());
  EXPECT_NE(r2, r1);
  auto jti2 = str(claims_of(str(body_json(a), "access_token")), "jti");
  // The old token comes back: an attacker has one of the two.
  auto replay = h.post("/token", "grant_type=refresh_token&client_id=public&refresh_token=" + r1);
  EXPECT_EQ(replay.status, 400u);
  EXPECT_EQ(str(body_json(replay), "error"), "invalid_grant");
  EXPECT_EQ(h.post("/token", "grant_type=refresh_token&client_id=public&refresh_token=" + r2).status, 400u);
  EXPECT_TRUE(h.as->is_revoked(jti2));
  EXPECT_TRUE(h.as->is_revoked(str(claims_of(str(t1, "access_token")), "jti")));
}

TEST(Refresh, BoundToClientAndCannotWidenScope) {
  Harness h;
  auto t = body_json(h.redeem(h.code_for()));
  auto rt = str(t, "refresh_token");
  EXPECT_EQ(h.post("/token", "grant_type=refresh_token&client_id=public&scope=mcp%3Awrite&refresh_token=" + rt).status,
            400u);
  EXPECT_EQ(h.post("/token", "grant_type=refresh_token&refresh_token=" + rt,
                   {{"Authorization", "Basic " + base64_encode("conf:s3cr%t+x")}})
                .status,
            400u);
  EXPECT_EQ(h.post("/token", "grant_type=refresh_token&client_id=public&refresh_token=" + rt).status, 200u);
}

// Regression: a user removed by an administrator (`mcpgate users remove`) could go on refreshing
// tokens, with the whole scope of the grant, for as long as the refresh chain was used. A
// refreshed token carries no scope the user may no longer have, and a removed user has none.
TEST(Refresh, RemovedUserCannotRefresh) {
  Harness h;
  auto rt = str(body_json(h.redeem(h.code_for())), "refresh_token");
  ASSERT_FALSE(rt.empty());
  auto removed = h.as->store().remove_user("alice");
  ASSERT_TRUE(removed && *removed);
  auto r = h.post("/token", "grant_type=refresh_token&client_id=public&refresh_token=" + rt);
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(str(body_json(r), "error"), "invalid_grant");
}

// A refresh whose user cannot be read fails closed: the user's current scopes cannot be applied.
TEST(Refresh, UnreadableUserFailsClosed) {
  Harness h;
  auto rt = str(body_json(h.redeem(h.code_for())), "refresh_token");
  ASSERT_FALSE(rt.empty());
  h.faults->fail_get_user = true;
  auto r = h.post("/token", "grant_type=refresh_token&client_id=public&refresh_token=" + rt);
  EXPECT_EQ(r.status, 500u) << r.body;
  EXPECT_EQ(str(body_json(r), "error"), "server_error");
}

TEST(ClientAuth, WrongCredentialsAreInvalidClientWithChallenge) {
  Harness h;
  auto r = h.post("/token", "grant_type=client_credentials&resource=" + percent_encode(h.resource),
                  {{"Authorization", "Basic " + base64_encode("conf:wrong")}});
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(str(body_json(r), "error"), "invalid_client");
  EXPECT_NE(r.header("www-authenticate").find("Basic"), std::string::npos);
  // A confidential client cannot drop to "none".
  auto none = h.post("/token", "grant_type=client_credentials&client_id=conf&resource=" + percent_encode(h.resource));
  EXPECT_EQ(none.status, 401u);
  // Two methods at once.
  auto two = h.post("/token",
                    "grant_type=client_credentials&client_secret=s3cr%25t%2Bx&resource=" + percent_encode(h.resource),
                    {{"Authorization", "Basic " + base64_encode("conf:s3cr%t+x")}});
  EXPECT_EQ(two.status, 400u);
}

// Regression: with the store unreachable, a client with good credentials got 401 invalid_client
// (RFC 6749 §5.2: "client authentication failed"), which tells it that its registration is gone
// and sends a DCR client to register again; the authorization page showed the store's own error
// text. Now 503 temporarily_unavailable with Retry-After, and a page that names no internals.
TEST(ClientAuth, StoreFailureIs503NotInvalidClient) {
  Harness h;
  h.faults->fail_get_client = true;
  auto r = h.post("/token", "grant_type=client_credentials&resource=" + percent_encode(h.resource),
                  {{"Authorization", "Basic " + base64_encode("conf:s3cr%t+x")}});
  EXPECT_EQ(r.status, 503u) << r.body;
  EXPECT_EQ(str(body_json(r), "error"), "temporarily_unavailable");
  EXPECT_EQ(r.header("retry-after"), "1");
  EXPECT_EQ(r.header("www-authenticate"), "");
  auto page = h.get(h.authorize_url());
  EXPECT_EQ(page.status, 503u);
  EXPECT_EQ(page.body.find("db.internal"), std::string::npos) << page.body;
  EXPECT_EQ(page.body.find("injected"), std::string::npos) << page.body;
  h.faults->fail_get_client = false;
  EXPECT_EQ(h.post("/token", "grant_type=client_credentials&resource=" + percent_encode(h.resource),
                   {{"Authorization", "Basic " + base64_encode("conf:s3cr%t+x")}})
                .status,
            200u);
}

TEST(ClientAuth, BasicAcceptsFormEncodedAndRawCredentialsAndPost) {
  Harness h;
  auto body = "grant_type=client_credentials&resource=" + percent_encode(h.resource);
  EXPECT_EQ(h.post("/token", body, {{"Authorization", "Basic " + base64_encode("conf:s3cr%25t%2Bx")}}).status, 200u);
  EXPECT_EQ(h.post("/token", body, {{"Authorization", "Basic " + base64_encode("conf:s3cr%t+x")}}).status, 200u);
  EXPECT_EQ(h.post("/token", body + "&client_id=conf&client_secret=s3cr%25t%2Bx").status, 200u);
}

// RFC 6749 §2.3.1 Basic credentials with every awkward character, encoded the ways real clients
// encode them: form-encoded as the RFC says (Go's url.QueryEscape: space → '+'), percent-encoded
// with %20 (encodeURIComponent), raw (the MCP TypeScript SDK), and client_secret_post.
TEST(ClientAuth, BasicDecodesRfc6749FormEncodingOfIdAndSecret) {
  Harness h;
  const std::string id = "svc:a+b/c=d&e%f~g!h i";
  const std::string secret = "p: +/=&%~! q";
  ClientRecord c;
  c.client_id = id;
  c.kind = ClientKind::preregistered;
  c.client_name = "awkward";
  c.token_endpoint_auth_method = "client_secret_basic";
  c.secret_hash = sha256_hex(secret);
  c.grant_types = {"client_credentials"};
  ASSERT_TRUE(h.as->store().put_client(c));
  auto query_escape = [](std::string s) {  // application/x-www-form-urlencoded: space is '+'
    std::string out;
    for (auto ch : percent_encode(s)) out += ch;
    std::string r;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out.compare(i, 3, "%20") == 0) {
        r += '+';
        i += 2;
      } else {
        r += out[i];
      }
    }
    return r;
  };
  auto body = "grant_type=client_credentials&resource=" + percent_encode(h.resource);
  auto basic = [&](const std::string& user, const std::string& pass) {
    return h.post("/token", body, {{"Authorization", "Basic " + base64_encode(user + ":" + pass)}});
  };
  // Regression: '+' for a space in the form-encoded secret was refused.
  auto form = basic(query_escape(id), query_escape(secret));
  EXPECT_EQ(form.status, 200u) << form.body;
  EXPECT_EQ(str(claims_of(str(body_json(form), "access_token")), "client_id"), id);
  EXPECT_EQ(basic(percent_encode(id), percent_encode(secret)).status, 200u);
  // Raw: the id may not contain ':' then (the split is at the first ':'), the secret may.
  const std::string plain_id = "plain-id";
  ClientRecord p = c;
  p.client_id = plain_id;
  ASSERT_TRUE(h.as->store().put_client(p));
  EXPECT_EQ(basic(plain_id, secret).status, 200u);
  EXPECT_EQ(basic(id, secret).status, 401u) << "a raw id with ':' cannot be told from the secret";
  // Each reading stands alone: an encoded id with a raw secret (or the reverse) is not a reading.
  EXPECT_EQ(basic(query_escape(id), secret).status, 401u);
  EXPECT_EQ(basic(query_escape(id), query_escape(secret) + "x").status, 401u);
  EXPECT_EQ(h.post("/token", body + "&client_id=" + query_escape(id) + "&client_secret=" + query_escape(secret)).status,
            200u);
}

TEST(ClientCredentials, IssuesTokenForTheClientItself) {
  Harness h;
  auto r = h.post("/token", "grant_type=client_credentials&scope=mcp%3Awrite&resource=" + percent_encode(h.resource),
                  {{"Authorization", "Basic " + base64_encode("conf:s3cr%t+x")}});
  ASSERT_EQ(r.status, 200u) << r.body;
  auto t = body_json(r);
  EXPECT_FALSE(t.contains("refresh_token"));
  auto c = claims_of(str(t, "access_token"));
  EXPECT_EQ(str(c, "sub"), "conf");
  EXPECT_EQ(str(c, "scope"), "mcp:write");
  EXPECT_EQ(str(c, "aud"), h.resource);
  // A public client may not.
  EXPECT_EQ(
      h.post("/token", "grant_type=client_credentials&client_id=public&resource=" + percent_encode(h.resource)).status,
      400u);
}

TEST(TokenExchange, NewAudienceNarrowerScopeAndActClaim) {
  Harness h;
  auto user_token = str(body_json(h.redeem(h.code_for({{"scope", "mcp:read mcp:write"}}))), "access_token");
  auto basic = std::pair<std::string, std::string>{"Authorization", "Basic " + base64_encode("conf:s3cr%t+x")};
  auto r = h.post("/token",
                  "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=" + user_token +
                      "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&resource=" +
                      percent_encode(h.resource) + "&scope=mcp%3Aread",
                  {basic});
  ASSERT_EQ(r.status, 200u) << r.body;
  auto c = claims_of(str(body_json(r), "access_token"));
  EXPECT_EQ(str(c, "sub"), "alice");
  EXPECT_EQ(str(c, "client_id"), "conf");
  EXPECT_EQ(str(c, "scope"), "mcp:read");
  EXPECT_EQ(str(c.at("act").as_object(), "sub"), "conf");
  EXPECT_EQ(str(body_json(r), "issued_token_type"), "urn:ietf:params:oauth:token-type:access_token");
  // No escalation: other:read was never granted to the subject.
  auto esc = h.post("/token",
                    "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=" + user_token +
                        "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&resource=" +
                        percent_encode(h.base + "/other") + "&scope=other%3Aread",
                    {basic});
  EXPECT_EQ(esc.status, 400u);
  EXPECT_EQ(str(body_json(esc), "error"), "invalid_scope");
  // A forged subject token.
  auto forged = h.post("/token",
                       "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=" +
                           user_token.substr(0, user_token.size() - 4) + "AAAA" +
                           "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&resource=" +
                           percent_encode(h.resource),
                       {basic});
  EXPECT_EQ(forged.status, 400u);
}

TEST(IntrospectionAndRevocation, RevokedAccessTokenBecomesInactive) {
  Harness h;
  auto t = body_json(h.redeem(h.code_for()));
  auto at = str(t, "access_token");
  auto basic = std::pair<std::string, std::string>{"Authorization", "Basic " + base64_encode("conf:s3cr%t+x")};
  EXPECT_EQ(h.post("/introspect", "token=" + at).status, 401u) << "introspection needs an authenticated client";
  auto i = body_json(h.post("/introspect", "token=" + at, {basic}));
  EXPECT_EQ(i.at("active"), true);
  EXPECT_EQ(str(i, "sub"), "alice");
  EXPECT_EQ(h.post("/revoke", "client_id=public&token=" + at).status, 200u);
  EXPECT_EQ(body_json(h.post("/introspect", "token=" + at, {basic})).at("active"), false);
  // Revoking the refresh token kills the grant.
  EXPECT_EQ(h.post("/revoke", "client_id=public&token=" + str(t, "refresh_token")).status, 200u);
  EXPECT_EQ(
      h.post("/token", "grant_type=refresh_token&client_id=public&refresh_token=" + str(t, "refresh_token")).status,
      400u);
}

// Regression: a revocation whose refresh-token lookup failed in the store answered 200, as if the
// token were revoked, and nothing was. RFC 7009 §2.2.1: a 503 tells the client that the token may
// still be valid and to retry.
TEST(IntrospectionAndRevocation, Rfc7009Section2_2_1_StoreFailureIs503NotASilent200) {
  Harness h;
  auto rt = str(body_json(h.redeem(h.code_for())), "refresh_token");
  ASSERT_FALSE(rt.empty());
  h.faults->fail_get_refresh = true;
  auto r = h.post("/revoke", "client_id=public&token=" + rt);
  EXPECT_EQ(r.status, 503u) << r.body;
  EXPECT_EQ(str(body_json(r), "error"), "server_error");
  h.faults->fail_get_refresh = false;
  // Indeed not revoked; the retry revokes it.
  EXPECT_EQ(h.post("/revoke", "client_id=public&token=" + rt).status, 200u);
  EXPECT_EQ(h.post("/token", "grant_type=refresh_token&client_id=public&refresh_token=" + rt).status, 400u);
}

TEST(Registration, RegistersPublicAndConfidentialClients) {
  Harness h;
  auto r = h.request(http::verb::post, "/register",
                     R"({"client_name":"Dyn","redirect_uris":["http://127.0.0.1:9999/cb"],"application_type":"native",
                         "token_endpoint_auth_method":"client_secret_post"})",
                     "application/json");
  ASSERT_EQ(r.status, 201u) << r.body;
  auto c = body_json(r);
  EXPECT_FALSE(str(c, "client_id").empty());
  EXPECT_FALSE(str(c, "client_secret").empty());
  auto stored = h.as->store().get_client(str(c, "client_id"));
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->secret_hash, sha256_hex(str(c, "client_secret")));
}

TEST(Registration, RefusesDangerousMetadata) {
  Harness h;
  auto reg = [&](std::string body) { return h.request(http::verb::post, "/register", body, "application/json"); };
  EXPECT_EQ(str(body_json(reg(R"({"redirect_uris":["http://evil.example/cb"]})")), "error"), "invalid_redirect_uri");
  EXPECT_EQ(str(body_json(reg(R"({"redirect_uris":["https://a.example/cb#x"]})")), "error"), "invalid_redirect_uri");
  EXPECT_EQ(str(body_json(reg(R"J({"redirect_uris":["javascript:alert(1)"]})J")), "error"), "invalid_redirect_uri");
  EXPECT_EQ(reg(R"({"redirect_uris":["https://a.example/cb"],"grant_types":["client_credentials"],
                   "token_endpoint_auth_method":"client_secret_basic"})")
                .status,
            400u);
  EXPECT_EQ(reg(R"({"redirect_uris":["https://a.example/cb"],"client_id":"chosen"})").status, 400u);
  EXPECT_EQ(reg(R"({"redirect_uris":["https://a.example/cb"],"redirect_uris":["https://b.example/cb"]})").status, 400u);
}

TEST(Registration, IsRateLimitedPerAddress) {
  Harness h([](Options& o) { o.dcr_max_per_window = 2; });
  auto body = R"({"redirect_uris":["https://a.example/cb"]})";
  EXPECT_EQ(h.request(http::verb::post, "/register", body, "application/json").status, 201u);
  EXPECT_EQ(h.request(http::verb::post, "/register", body, "application/json").status, 201u);
  EXPECT_EQ(h.request(http::verb::post, "/register", body, "application/json").status, 429u);
}

class FakeFetcher final : public MetadataFetcher {
 public:
  std::string body;
  int calls = 0;
  net::awaitable<Result<std::string>> fetch(std::string) override {
    ++calls;
    co_return body;
  }
};

TEST(Cimd, MetadataDocumentClientShowsItsHostAndIsCached) {
  auto f = std::make_shared<FakeFetcher>();
  f->body = R"({"client_id":"https://client.example.com/oauth/client.json","client_name":"Doc Client",
               "redirect_uris":["http://127.0.0.1/callback"]})";
  Harness h({}, f);
  auto url = h.authorize_url({{"client_id", "https://client.example.com/oauth/client.json"}});
  auto page = h.get(url);
  ASSERT_EQ(page.status, 200u) << page.body;
  page = h.post("/authorize/login", "request_id=" + scrape(page.body, "request_id") + "&csrf_token=" +
                                        scrape(page.body, "csrf_token") + "&username=alice&password=alice-password");
  EXPECT_NE(page.body.find("Doc Client"), std::string::npos);
  EXPECT_NE(page.body.find("client.example.com"), std::string::npos);
  EXPECT_NE(page.body.find("localhost"), std::string::npos) << "localhost-only redirect warning";
  h.get(url);
  EXPECT_EQ(f->calls, 1);
}

TEST(Cimd, DocumentMustNameItself) {
  auto f = std::make_shared<FakeFetcher>();
  f->body = R"({"client_id":"https://other.example.com/c.json","redirect_uris":["http://127.0.0.1/callback"]})";
  Harness h({}, f);
  auto r = h.get(h.authorize_url({{"client_id", "https://client.example.com/c.json"}}));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.header("location"), "");
}

TEST(Cimd, UrlResolvingToPrivateAddressIsRefused) {
  Harness h;  // the real fetcher
  for (auto id : {"https://127.0.0.1/client.json", "https://localhost/client.json", "https://10.0.0.1/client.json",
                  "https://169.254.169.254/latest/meta-data", "https://[::1]/client.json"}) {
    auto r = h.get(h.authorize_url({{"client_id", id}}));
    EXPECT_EQ(r.status, 400u) << id;
    EXPECT_NE(r.body.find("private or reserved address"), std::string::npos) << id << r.body;
  }
}

TEST(Cimd, ForbiddenAddressRanges) {
  namespace ip = boost::asio::ip;
  for (auto a : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
                 "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12::1",
                 "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:a00:1::1"})
    EXPECT_TRUE(is_forbidden_address(ip::make_address(a))) << a;
  for (auto a : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111"})
    EXPECT_FALSE(is_forbidden_address(ip::make_address(a))) << a;
}

TEST(Keys, RotationPromotesNextAndKeepsRetiredPublished) {
  Harness h;
  auto before = h.as->keys().records();
  std::string next_kid;
  for (auto& k : before)
    if (k.state == KeyRecord::State::next) next_kid = k.kid;
  auto old_token = str(body_json(h.redeem(h.code_for())), "access_token");
  ASSERT_TRUE(h.as->keys().rotate(h.clock.t.load()));
  auto jwks = body_json(h.get("/jwks")).at("keys").as_array();
  EXPECT_EQ(jwks.size(), 3u);
  auto new_token = str(body_json(h.redeem(h.code_for({{"scope", "mcp:write"}}))), "access_token");
  EXPECT_EQ(*oauth::parse_jws(new_token)->header.kid, next_kid);
  // The retired key still verifies what it signed (introspection uses the same verification).
  auto basic = std::pair<std::string, std::string>{"Authorization", "Basic " + base64_encode("conf:s3cr%t+x")};
  EXPECT_EQ(body_json(h.post("/introspect", "token=" + old_token, {basic})).at("active"), true);
  h.clock.advance(std::chrono::minutes(7));
  ASSERT_TRUE(h.as->keys().rotate(h.clock.t.load()));
  EXPECT_EQ(body_json(h.get("/jwks")).at("keys").as_array().size(), 3u) << "the first key is past its grace";
}

TEST(IdJag, RedeemsAnAssertionFromATrustedIdp) {
  auto idp_key = oauth::SigningKey::generate(oauth::Algorithm::ES256);
  auto jwk = idp_key->public_jwk("idp-1", oauth::Algorithm::ES256);
  std::string jwks = json::serialize(json::object{{"keys", json::array{*jwk}}});
  Harness h([&](Options& o) { o.trusted_idps = {{"https://idp.example.com", jwks}}; });
  auto now = h.clock.t.load();
  auto jag = [&](json::object claims, std::string typ = "oauth-id-jag+jwt") {
    return *oauth::mint_token(*idp_key, oauth::MintRequest{oauth::Algorithm::ES256, "idp-1", typ, std::move(claims)});
  };
  json::object good{{"iss", "https://idp.example.com"},
                    {"sub", "bob@example.com"},
                    {"aud", h.base},
                    {"client_id", "conf"},
                    {"resource", h.resource},
                    {"scope", "mcp:read"},
                    {"jti", "j1"},
                    {"iat", now},
                    {"exp", now + 300}};
  auto basic = std::pair<std::string, std::string>{"Authorization", "Basic " + base64_encode("conf:s3cr%t+x")};
  auto redeem = [&](const std::string& a) {
    return h.post("/token", "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + a, {basic});
  };
  auto r = redeem(jag(good));
  ASSERT_EQ(r.status, 200u) << r.body;
  auto c = claims_of(str(body_json(r), "access_token"));
  EXPECT_EQ(str(c, "sub"), "bob@example.com");
  EXPECT_EQ(str(c, "aud"), h.resource);
  EXPECT_EQ(redeem(jag(good)).status, 400u) << "replayed jti";
  auto with = [&](std::string k, json::value v) {
    auto o = good;
    o[k] = v;
    o["jti"] = "j-" + k;
    return o;
  };
  EXPECT_EQ(redeem(jag(with("aud", "https://other-as.example"))).status, 400u);
  EXPECT_EQ(redeem(jag(with("client_id", "public"))).status, 400u);
  EXPECT_EQ(redeem(jag(with("iss", "https://evil.example"))).status, 400u);
  EXPECT_EQ(redeem(jag(with("exp", now - 1))).status, 400u);
  EXPECT_EQ(redeem(jag(with("resource", "https://unknown.example/mcp"))).status, 400u);
  EXPECT_EQ(redeem(jag(with("jti", "j-typ"), "JWT")).status, 400u);
}

TEST(PrivateKeyJwt, AuthenticatesWithAClientAssertionOnce) {
  auto key = oauth::SigningKey::generate(oauth::Algorithm::ES256);
  Harness h;
  ClientRecord c;
  c.client_id = "pkjwt";
  c.client_name = "Key Client";
  c.token_endpoint_auth_method = "private_key_jwt";
  c.grant_types = {"client_credentials"};
  c.jwks = json::serialize(json::object{{"keys", json::array{*key->public_jwk("k1", oauth::Algorithm::ES256)}}});
  ASSERT_TRUE(h.as->store().put_client(c));
  auto now = h.clock.t.load();
  auto assertion = *oauth::mint_token(
      *key, oauth::MintRequest{
                oauth::Algorithm::ES256, "k1", std::nullopt,
                json::object{
                    {"iss", "pkjwt"}, {"sub", "pkjwt"}, {"aud", h.base + "/token"}, {"jti", "a1"}, {"exp", now + 60}}});
  auto body =
      "grant_type=client_credentials&resource=" + percent_encode(h.resource) +
      "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" +
      assertion;
  EXPECT_EQ(h.post("/token", body).status, 200u);
  EXPECT_EQ(h.post("/token", body).status, 401u) << "assertion replay";
}

}  // namespace
}  // namespace mcpgate::authserver::testing
