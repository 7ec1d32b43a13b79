// What each credentials mode asks a token endpoint and when it asks again (a fake endpoint records
// every form): RFC 8693 token exchange with mapped scopes, the cache per subject token and its
// bounds, a fresh token after an upstream 401, client_credentials for the gateway's own requests.
#include "exchange/upstream_credentials.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>

#include "exchange/token_cache.hpp"

namespace mcpgate::exchange {
namespace {
using namespace std::chrono_literals;
using M = config::Credentials::Mode;

class FakeEndpoint final : public TokenEndpoint {
 public:
  std::vector<Form> forms;
  std::chrono::seconds expires_in{300};
  std::optional<TokenError> fail;
  net::awaitable<expected<IssuedToken, TokenError>> request(Form form) override {
    forms.push_back(form);
    if (fail) co_return unexpected(*fail);
    IssuedToken t;
    t.access_token = Secret("token-" + std::to_string(forms.size()));
    t.expires_in = expires_in;
    co_return t;
  }
};

template <class T>
T run(net::awaitable<T> a) {
  boost::asio::io_context io;
  auto f = boost::asio::co_spawn(io, std::move(a), boost::asio::use_future);
  io.run();
  return f.get();
}

config::Credentials exchange_config() {
  config::Credentials c;
  c.mode = M::token_exchange;
  c.client_id = "mcpgate";
  c.resource = "https://crm.example/api";
  c.scope_map = {{"mcp:read", {"crm.read"}}, {"mcp:write", {"crm.write", "crm.read"}}};
  return c;
}

SubjectToken subject(std::string token, std::vector<std::string> scopes,
                     std::chrono::system_clock::time_point expiry = std::chrono::system_clock::now() + 1h) {
  SubjectToken s;
  s.token = Secret(token);
  s.token_key = "hash-of-" + token;
  s.scopes = std::move(scopes);
  s.expiry = expiry;
  return s;
}

TEST(UpstreamCredentials, TokenExchangeAsksForTheUpstreamWithMappedScopesOnly) {
  auto ep = std::make_shared<FakeEndpoint>();
  UpstreamCredentials creds(exchange_config(), ep);
  auto alice = subject("alice-token", {"mcp:read", "profile"});
  auto v = run(creds.value(&alice, false));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->reveal(), "Bearer token-1");
  ASSERT_EQ(ep->forms.size(), 1u);
  auto& f = ep->forms[0];
  // RFC 8693 §2.1.
  EXPECT_EQ(f.at("grant_type"), "urn:ietf:params:oauth:grant-type:token-exchange");
  EXPECT_EQ(f.at("subject_token"), "alice-token");
  EXPECT_EQ(f.at("subject_token_type"), "urn:ietf:params:oauth:token-type:access_token");
  EXPECT_EQ(f.at("resource"), "https://crm.example/api");
  EXPECT_EQ(f.at("scope"), "crm.read");  // profile has no entry: nothing asked for it
}

TEST(UpstreamCredentials, AReadOnlyClientNeverAsksForAWriteScope) {
  auto ep = std::make_shared<FakeEndpoint>();
  UpstreamCredentials creds(exchange_config(), ep);
  EXPECT_EQ(creds.mapped_scopes({"mcp:read"}), (std::vector<std::string>{"crm.read"}));
  EXPECT_EQ(creds.mapped_scopes({"mcp:write", "mcp:read"}), (std::vector<std::string>{"crm.read", "crm.write"}));
  auto none = subject("t", {"profile"});
  auto v = run(creds.value(&none, false));
  ASSERT_FALSE(v);  // no mapped scope: no token rather than the server's default
  EXPECT_EQ(v.error().oauth_error, "invalid_scope");
  EXPECT_TRUE(ep->forms.empty());
}

TEST(UpstreamCredentials, OneExchangePerSubjectTokenUntilAnUpstream401) {
  auto ep = std::make_shared<FakeEndpoint>();
  UpstreamCredentials creds(exchange_config(), ep);
  auto alice = subject("alice-token", {"mcp:read"});
  for (int i = 0; i < 100; ++i) ASSERT_EQ(run(creds.value(&alice, false))->reveal(), "Bearer token-1");
  EXPECT_EQ(ep->forms.size(), 1u);
  auto bob = subject("bob-token", {"mcp:read"});
  EXPECT_EQ(run(creds.value(&bob, false))->reveal(), "Bearer token-2");   // another subject token
  EXPECT_EQ(run(creds.value(&alice, true))->reveal(), "Bearer token-3");  // fresh after a 401
  EXPECT_EQ(run(creds.value(&alice, false))->reveal(), "Bearer token-3");
  auto st = creds.stats();
  EXPECT_EQ(st.issued, 3u);
  EXPECT_EQ(st.hits, 100u);
}

// A token endpoint that answers after a delay, so that requests overlap.
class SlowEndpoint final : public TokenEndpoint {
 public:
  int calls = 0;
  net::awaitable<expected<IssuedToken, TokenError>> request(Form) override {
    ++calls;
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, 20ms);
    co_await t.async_wait(boost::asio::use_awaitable);
    IssuedToken tok;
    tok.access_token = Secret("slow-" + std::to_string(calls));
    tok.expires_in = 300s;
    co_return tok;
  }
};

// A coroutine function, not a capturing lambda: the lambda object would be gone when it resumes.
net::awaitable<void> ask_into(UpstreamCredentials* creds, const SubjectToken* who, std::vector<std::string>* got) {
  auto v = co_await creds->value(who, false);
  std::string text = "error";
  if (v) text = std::string(v->reveal());
  got->push_back(text);
}

TEST(UpstreamCredentials, ConcurrentFirstCallsShareOneExchange) {
  auto ep = std::make_shared<SlowEndpoint>();
  UpstreamCredentials creds(exchange_config(), ep);
  auto alice = subject("alice-token", {"mcp:read"});
  boost::asio::io_context io;
  std::vector<std::string> got;
  for (int i = 0; i < 10; ++i) boost::asio::co_spawn(io, ask_into(&creds, &alice, &got), boost::asio::detached);
  io.run();
  EXPECT_EQ(ep->calls, 1);
  ASSERT_EQ(got.size(), 10u);
  for (auto& g : got) EXPECT_EQ(g, "Bearer slow-1");
  EXPECT_EQ(creds.stats().joined, 9u);
}

TEST(UpstreamCredentials, NeverCachedBeyondTheSubjectTokensExpiry) {
  auto ep = std::make_shared<FakeEndpoint>();
  UpstreamCredentials creds(exchange_config(), ep);
  // The subject token expires in 10 s, within the safety margin: the exchanged token is used for
  // this request and not kept.
  auto soon = subject("t", {"mcp:read"}, std::chrono::system_clock::now() + 10s);
  run(creds.value(&soon, false));
  run(creds.value(&soon, false));
  EXPECT_EQ(ep->forms.size(), 2u);
}

// token_for: what a stdio child gets in its environment (stdio mode per_principal): the bare
// token (no "Bearer "), and an expiry it is replaced before, never past the subject token's.
TEST(UpstreamCredentials, TokenForIsTheBareTokenWithItsExpiryFromTheSameCache) {
  auto ep = std::make_shared<FakeEndpoint>();
  UpstreamCredentials creds(exchange_config(), ep);
  auto now = std::chrono::system_clock::now();
  auto s = subject("t", {"mcp:read"}, now + 1h);
  auto got = run(creds.token_for(&s, false));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->token.reveal(), "token-1");
  EXPECT_GE(got->expires, now + 300s);
  EXPECT_LE(got->expires, std::chrono::system_clock::now() + 300s);
  auto again = run(creds.token_for(&s, false));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->token.reveal(), "token-1") << "served from the cache";
  EXPECT_EQ(again->expires, got->expires) << "with the same expiry";
  auto header = run(creds.value(&s, false));
  ASSERT_TRUE(header);
  EXPECT_EQ(header->reveal(), "Bearer token-1") << "one cache for the header and the environment";
  auto fresh = run(creds.token_for(&s, true));
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->token.reveal(), "token-2") << "a replacement child gets a token of its own";
  // Bounded by the subject token.
  auto soon = subject("u", {"mcp:read"}, now + 60s);
  auto bounded = run(creds.token_for(&soon, false));
  ASSERT_TRUE(bounded);
  EXPECT_EQ(bounded->expires, now + 60s);
}

TEST(UpstreamCredentials, TheGatewaysOwnRequestsUseClientCredentials) {
  auto ep = std::make_shared<FakeEndpoint>();
  UpstreamCredentials creds(exchange_config(), ep);
  auto v = run(creds.value(nullptr, false));
  ASSERT_TRUE(v);
  EXPECT_EQ(ep->forms.at(0).at("grant_type"), "client_credentials");
  EXPECT_FALSE(ep->forms.at(0).contains("subject_token"));
  run(creds.value(nullptr, false));
  EXPECT_EQ(ep->forms.size(), 1u);
}

TEST(UpstreamCredentials, FailuresCarryTheReasonAndAreCounted) {
  auto ep = std::make_shared<FakeEndpoint>();
  ep->fail = TokenError{TokenError::Reason::refused, "invalid_target", "unknown audience"};
  UpstreamCredentials creds(exchange_config(), ep);
  auto alice = subject("alice-token", {"mcp:read"});
  auto v = run(creds.value(&alice, false));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().oauth_error, "invalid_target");
  EXPECT_EQ(creds.stats().failed[static_cast<int>(TokenError::Reason::refused)], 1u);
  ep->fail.reset();
  EXPECT_TRUE(run(creds.value(&alice, false)));  // a refusal is not cached
}

TEST(UpstreamCredentials, StaticAndNone) {
  config::Credentials c;
  c.mode = M::static_header;
  c.header = "X-Api-Key";
  c.value = "k-1";
  UpstreamCredentials s(c, nullptr);
  EXPECT_EQ(s.header(), "X-Api-Key");
  EXPECT_EQ(run(s.value(nullptr, false))->reveal(), "k-1");
  UpstreamCredentials n(config::Credentials{}, nullptr);
  EXPECT_FALSE(n.adds_header());
}

TEST(TokenCache, ExpiresAndStaysBounded) {
  TokenCache cache(2);
  auto now = std::chrono::system_clock::now();
  cache.put("a", Secret("A"), now + 10s, now);
  cache.put("b", Secret("B"), now + 20s, now);
  cache.put("c", Secret("C"), now + 30s, now);  // full: the one expiring first goes
  EXPECT_FALSE(cache.get("a", now));
  EXPECT_EQ(cache.get("b", now)->reveal(), "B");
  EXPECT_FALSE(cache.get("b", now + 20s));  // expired
  EXPECT_EQ(cache.size(), 1u);
  cache.put("d", Secret("D"), now - 1s, now);  // already expired: not kept
  EXPECT_FALSE(cache.get("d", now));
}

}  // namespace
}  // namespace mcpgate::exchange
