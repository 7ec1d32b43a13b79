// UpstreamIdpClient against a scripted provider: what mcpgate sends to an enterprise OpenID
// Connect provider, and the quirks it meets there.
#include "authserver/upstream_idp.hpp"

#include <gtest/gtest.h>

#include "authserver/federated_user.hpp"
#include "core/base64url.hpp"
#include "core/json.hpp"
#include "oauth/jwks.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_fetcher.hpp"

namespace mcpgate::authserver {
namespace {
namespace json = boost::json;
using oauth::HttpFetchRequest;
using oauth::HttpFetchResponse;

constexpr const char* kIssuer = "https://idp.example";

struct ScriptedProvider {
  oauth::SigningKey key = *oauth::SigningKey::generate(oauth::Algorithm::RS256);
  json::object discovery{{"issuer", kIssuer},
                         {"authorization_endpoint", "https://idp.example/authorize"},
                         {"token_endpoint", "https://idp.example/token"},
                         {"jwks_uri", "https://idp.example/keys"}};
  unsigned token_status = 200;
  json::object token_body;
  std::shared_ptr<testing::FakeFetcher> http =
      std::make_shared<testing::FakeFetcher>([this](const HttpFetchRequest& r) -> Result<HttpFetchResponse> {
        if (r.url == std::string(kIssuer) + "/.well-known/openid-configuration")
          return HttpFetchResponse{200, json::serialize(discovery), {}, {}, {}};
        if (r.url == "https://idp.example/keys")
          return HttpFetchResponse{
              200,
              json::serialize(json::object{{"keys", json::array{*key.public_jwk("r1", oauth::Algorithm::RS256)}}}),
              {},
              {},
              {}};
        if (r.url == "https://idp.example/token")
          return HttpFetchResponse{token_status, json::serialize(token_body), {}, {}, {}};
        return fail("unreachable");
      });
};

UpstreamIdp options() {
  UpstreamIdp o;
  o.issuer = kIssuer;
  o.client_id = "mcpgate";
  o.client_secret = Secret("s3cret:+");
  return o;
}

std::map<std::string, std::string, std::less<>> form_of(const std::string& body) {
  std::map<std::string, std::string, std::less<>> out;
  std::string_view s = body;
  while (!s.empty()) {
    auto amp = s.find('&');
    auto part = s.substr(0, amp);
    auto eq = part.find('=');
    out[std::string(part.substr(0, eq))] = std::string(part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    s.remove_prefix(amp + 1);
  }
  return out;
}

// Enterprise providers refuse RFC 8707 `resource` (Entra ID v2 answers AADSTS9010010): it is
// never sent unless send_resource is configured.
TEST(UpstreamIdp, ResourceIsSentOnlyWhenConfigured) {
  ScriptedProvider p;
  testing::FakeClock clock;
  auto c = *UpstreamIdpClient::create(options(), p.http, clock);
  auto url = c->authorization_url({"https://gw.example/idp/callback", "st", "nn", "ch", "https://gw.example/mcp"});
  ASSERT_TRUE(url);
  EXPECT_EQ(url->find("resource="), std::string::npos) << *url;
  EXPECT_NE(url->find("code_challenge_method=S256"), std::string::npos);
  EXPECT_NE(url->find("nonce=nn"), std::string::npos);
  EXPECT_NE(url->find("scope=openid%20email%20profile"), std::string::npos) << *url;
  auto o = options();
  o.send_resource = true;
  auto with = *UpstreamIdpClient::create(o, p.http, clock);
  EXPECT_NE(with->authorization_url({"https://gw.example/cb", "st", "nn", "ch", "https://gw.example/mcp"})
                ->find("resource=https%3A%2F%2Fgw.example%2Fmcp"),
            std::string::npos);
}

// RFC 6749 §2.3.1 client_secret_basic (each part form-encoded), PKCE verifier, no resource, and
// no userinfo call: discovery, token, nothing else.
TEST(UpstreamIdp, RedeemSendsBasicAuthAndVerifierAndNoUserinfoCall) {
  ScriptedProvider p;
  p.token_body = {{"id_token", "x.y.z"}, {"access_token", "at"}, {"token_type", "Bearer"}};
  testing::FakeClock clock;
  auto c = *UpstreamIdpClient::create(options(), p.http, clock);
  auto id = c->redeem("the-code", "https://gw.example/idp/callback", "verifier-1", "https://gw.example/mcp");
  ASSERT_TRUE(id) << id.error().detail;
  EXPECT_EQ(id->id_token, "x.y.z");
  EXPECT_TRUE(id->refresh_token.empty());  // not kept unless recheck_on_refresh
  auto reqs = p.http->requests();
  ASSERT_EQ(reqs.size(), 2u);  // discovery, token: no userinfo
  auto& t = reqs[1];
  auto f = form_of(t.body);
  EXPECT_EQ(f["grant_type"], "authorization_code");
  EXPECT_EQ(f["code_verifier"], "verifier-1");
  EXPECT_FALSE(f.contains("resource"));
  bool basic = false;
  for (auto& [k, v] : t.headers) basic |= k == "Authorization" && v == "Basic " + base64_encode("mcpgate:s3cret%3A%2B");
  EXPECT_TRUE(basic);
}

TEST(UpstreamIdp, PrivateKeyJwtSendsASignedAssertionForTheTokenEndpoint) {
  ScriptedProvider p;
  p.token_body = {{"id_token", "x.y.z"}};
  testing::FakeClock clock;
  auto o = options();
  o.client_secret = Secret();
  o.client_key_pem = *oauth::SigningKey::generate(oauth::Algorithm::ES256)->private_pem();
  auto c = *UpstreamIdpClient::create(o, p.http, clock);
  ASSERT_TRUE(c->redeem("code", "https://gw.example/cb", "v", ""));
  auto f = form_of(p.http->requests()[1].body);
  EXPECT_EQ(f["client_assertion_type"], "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer");
  auto parts = f["client_assertion"];
  auto payload = base64url_decode(parts.substr(parts.find('.') + 1, parts.rfind('.') - parts.find('.') - 1));
  ASSERT_TRUE(payload);
  auto claims = parse_json(*payload)->as_object();
  EXPECT_EQ(claims.at("aud").as_string(), "https://idp.example/token");
  EXPECT_EQ(claims.at("iss").as_string(), "mcpgate");
}

TEST(UpstreamIdp, ProviderAnswersAreNamed) {
  ScriptedProvider p;
  testing::FakeClock clock;
  auto c = *UpstreamIdpClient::create(options(), p.http, clock);
  p.token_status = 400;
  p.token_body = {{"error", "invalid_grant"}};
  EXPECT_EQ(c->redeem("c", "r", "v", "").error().error, ProviderError::refused);
  p.token_status = 200;
  p.token_body = {{"access_token", "at"}};  // plain OAuth, not OpenID Connect
  EXPECT_EQ(c->redeem("c", "r", "v", "").error().error, ProviderError::no_id_token);
}

// With recheck_on_refresh: offline_access is asked for, the provider's refresh token is kept from
// the code's answer, and a refresh tells a refusal (account disabled: invalid_grant) from an
// outage (which must not sign anyone out).
TEST(UpstreamIdp, RecheckKeepsTheRefreshTokenAndNamesTheRefreshAnswer) {
  ScriptedProvider p;
  testing::FakeClock clock;
  auto o = options();
  o.recheck_on_refresh = true;
  auto c = *UpstreamIdpClient::create(o, p.http, clock);
  auto url = c->authorization_url({"https://gw.example/cb", "s", "n", "c", ""});
  ASSERT_TRUE(url);
  EXPECT_NE(url->find("scope=openid%20email%20profile%20offline_access"), std::string::npos) << *url;
  EXPECT_NE(url->find("&prompt=consent"), std::string::npos) << *url;  // OIDC Core §11
  p.token_body = {{"id_token", "x.y.z"}, {"refresh_token", "rt-1"}};
  auto t = c->redeem("c", "r", "v", "");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->refresh_token.reveal(), "rt-1");

  p.token_body = {{"access_token", "at"}, {"refresh_token", "rt-2"}};
  auto r = c->refresh("rt-1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->refresh_token.reveal(), "rt-2");  // rotated by the provider
  auto f = form_of(p.http->requests().back().body);
  EXPECT_EQ(f["grant_type"], "refresh_token");
  EXPECT_EQ(f["refresh_token"], "rt-1");
  p.token_body = {{"access_token", "at"}};
  ASSERT_TRUE(c->refresh("rt-2"));
  EXPECT_TRUE(c->refresh("rt-2")->refresh_token.empty());  // not rotated: keep the one we have

  p.token_status = 400;
  p.token_body = {{"error", "invalid_grant"}};
  EXPECT_EQ(c->refresh("rt-2").error().error, ProviderError::refused);
  p.token_status = 503;
  p.token_body = {{"error", "temporarily_unavailable"}};
  EXPECT_EQ(c->refresh("rt-2").error().error, ProviderError::unavailable);
}

// A discovery document for another issuer (mix-up) or pointing the token endpoint, which gets our
// secret, at plain http on the network is refused.
TEST(UpstreamIdp, DiscoveryMustNameTheIssuerAndUseHttps) {
  testing::FakeClock clock;
  {
    ScriptedProvider p;
    p.discovery["issuer"] = "https://evil.example";
    auto c = *UpstreamIdpClient::create(options(), p.http, clock);
    EXPECT_EQ(c->metadata().error().error, ProviderError::misconfigured);
  }
  {
    ScriptedProvider p;
    p.discovery["token_endpoint"] = "http://idp.example/token";
    auto c = *UpstreamIdpClient::create(options(), p.http, clock);
    EXPECT_EQ(c->metadata().error().error, ProviderError::misconfigured);
  }
}

// The ID token through the provider's discovered key set; `scp` from the provider is never a
// claim copied into mcpgate's tokens (the gateway reads scp as scopes).
TEST(UpstreamIdp, ValidatesWithTheDiscoveredKeysAndRefusesReservedClaims) {
  ScriptedProvider p;
  testing::FakeClock clock;
  auto c = *UpstreamIdpClient::create(options(), p.http, clock);
  ASSERT_TRUE(c->metadata());
  auto now = clock.seconds();
  json::object claims{{"iss", kIssuer},  {"sub", "u"},   {"aud", "mcpgate"},   {"iat", now},
                      {"exp", now + 60}, {"nonce", "n"}, {"scp", "Files.Read"}};
  auto token = *oauth::mint_token(p.key, {oauth::Algorithm::RS256, "r1", "JWT", claims});
  auto r = c->validate(token, "n", now);
  ASSERT_TRUE(r) << name(r.error());
  auto o = options();
  o.claims = {"groups", "scp"};
  EXPECT_FALSE(UpstreamIdpClient::create(o, p.http, clock));
  o.claims = {"scope"};
  EXPECT_FALSE(UpstreamIdpClient::create(o, p.http, clock));
  o.claims = {"groups"};
  o.scopes = {"email"};
  EXPECT_FALSE(UpstreamIdpClient::create(o, p.http, clock));  // no openid: no ID token
}

// Auth0's issuers end with '/': discovery is fetched with one slash, and iss compared with it.
TEST(UpstreamIdp, IssuerWithTrailingSlash) {
  testing::FakeClock clock;
  auto http = std::make_shared<testing::FakeFetcher>([](const HttpFetchRequest& r) -> Result<HttpFetchResponse> {
    if (r.url != "https://tenant.example/.well-known/openid-configuration") return fail("unexpected URL " + r.url);
    json::object d{{"issuer", "https://tenant.example/"},
                   {"authorization_endpoint", "https://tenant.example/authorize"},
                   {"token_endpoint", "https://tenant.example/oauth/token"},
                   {"jwks_uri", "https://tenant.example/.well-known/jwks.json"}};
    return HttpFetchResponse{200, json::serialize(d), {}, {}, {}};
  });
  auto o = options();
  o.issuer = "https://tenant.example/";
  auto c = *UpstreamIdpClient::create(o, http, clock);
  auto m = c->metadata();
  ASSERT_TRUE(m) << m.error().detail;
  EXPECT_EQ(m->token_endpoint, "https://tenant.example/oauth/token");
}

TEST(FederatedUser, NamesAndClaimsColumn) {
  EXPECT_EQ(federated_username("https://idp.example", "u-1"), "https://idp.example#u-1");
  UserRecord u{"https://idp.example#u-1", federated_password_column({{"groups", json::array{"a"}}, {"sub", "x"}}), 0,
               ""};
  EXPECT_TRUE(is_federated(u));
  auto c = copied_claims(u);
  EXPECT_TRUE(c.contains("groups"));
  EXPECT_FALSE(c.contains("sub"));  // never overrides mcpgate's own claims
  UserRecord local{"alice", "$argon2id$v=19$m=19456,t=2,p=1$abc$def", 0, ""};
  EXPECT_FALSE(is_federated(local));
  EXPECT_TRUE(copied_claims(local).empty());
}

}  // namespace
}  // namespace mcpgate::authserver
