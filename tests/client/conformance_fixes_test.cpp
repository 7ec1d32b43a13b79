// What the official conformance suite's client scenarios found wrong in the client, each pinned
// here with a fake HTTP fetcher (tests/conformance/client runs the scenarios themselves).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "client/mcp_connection.hpp"
#include "client/oauth_session.hpp"
#include "client/token_store.hpp"
#include "oauth/http_fetcher.hpp"

namespace mcpgate::client {
namespace {

constexpr const char* kEndpoint = "http://127.0.0.1:9/mcp";
constexpr const char* kPrm = "http://127.0.0.1:9/.well-known/oauth-protected-resource/mcp";
constexpr const char* kAs1 = "http://127.0.0.1:10";
constexpr const char* kAs2 = "http://127.0.0.1:11";

class FakeFetcher final : public oauth::HttpFetcher {
 public:
  std::map<std::string, oauth::HttpFetchResponse> routes;  // "METHOD url" → answer; others 404
  std::vector<oauth::HttpFetchRequest> requests;
  Result<oauth::HttpFetchResponse> fetch(const oauth::HttpFetchRequest& r) override {
    requests.push_back(r);
    auto it = routes.find(r.method + " " + r.url);
    if (it == routes.end()) return oauth::HttpFetchResponse{404, "{}", std::nullopt, {}, {}};
    return it->second;
  }
  int count(const std::string& method, const std::string& url) const {
    int n = 0;
    for (auto& r : requests) n += r.method == method && r.url == url;
    return n;
  }
};

oauth::HttpFetchResponse ok(std::string body, unsigned status = 200) {
  return oauth::HttpFetchResponse{status, std::move(body), std::nullopt, {}, {}};
}

std::string prm_for(const std::string& issuer) {
  return std::string(R"({"resource":")") + kEndpoint + R"(","authorization_servers":[")" + issuer + R"("]})";
}

std::string as_metadata(const std::string& issuer) {
  return R"({"issuer":")" + issuer + R"(","authorization_endpoint":")" + issuer + R"(/authorize","token_endpoint":")" +
         issuer + R"(/token","registration_endpoint":")" + issuer +
         R"(/register","response_types_supported":["code"],"code_challenge_methods_supported":["S256"]})";
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("mcpgate-client-test-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// MCP 2026-07-28 authorization, "Authorization Server Discovery" (SEP-2352; conformance scenario
// auth/authorization-server-migration): a server that moves to another authorization server
// rejects the token with a 401 and lists the new one in its resource metadata. The client must
// discover again, register with the new server and never present the old server's client id or
// refresh token there, nor keep refreshing at the old one. The bug: the session kept the
// authorization target found by the first 401 for its whole life, so the later 401 went on
// refreshing at the old server.
TEST(ClientConformance, AuthorizationServerMigrationRediscoversOnLater401) {
  TempDir dir;
  TokenStore store(dir.path);
  // A login at AS1 from an earlier run: its registration, its tokens, the endpoint bound to it.
  StoredClient as1_client;
  as1_client.client_id = "as1-client";
  as1_client.registered_here = true;
  as1_client.redirect_uri = "http://127.0.0.1:1/callback";
  ASSERT_TRUE(store.put_client(kAs1, as1_client));
  StoredTokens tokens;
  tokens.access_token = Secret("old-access");
  tokens.refresh_token = Secret("as1-refresh");
  tokens.scope = "mcp:basic";
  ASSERT_TRUE(store.put_tokens(kAs1, kEndpoint, tokens));
  ASSERT_TRUE(store.put_binding(kEndpoint, EndpointBinding{kAs1, kEndpoint}));

  FakeFetcher fetcher;
  fetcher.routes["GET " + std::string(kPrm)] = ok(prm_for(kAs1));
  fetcher.routes["GET " + std::string(kAs1) + "/.well-known/oauth-authorization-server"] = ok(as_metadata(kAs1));
  fetcher.routes["POST " + std::string(kAs1) + "/token"] =
      ok(R"({"access_token":"as1-new","token_type":"Bearer","expires_in":3600,"refresh_token":"as1-refresh-2"})");
  fetcher.routes["GET " + std::string(kAs2) + "/.well-known/oauth-authorization-server"] = ok(as_metadata(kAs2));
  fetcher.routes["POST " + std::string(kAs2) + "/register"] =
      ok(R"({"client_id":"as2-client","token_endpoint_auth_method":"none"})", 201);

  ClientOptions options;
  options.login_timeout = std::chrono::seconds(0);  // no browser here: the sign-in ends at once
  options.browser = "true";
  OAuthSession session(kEndpoint, options, fetcher, store);
  const std::string challenge = std::string("Bearer resource_metadata=\"") + kPrm + "\"";

  // The first 401: discovery finds AS1, the refresh token earns a new access token there.
  ASSERT_TRUE(session.unauthorized(challenge));
  ASSERT_EQ(fetcher.count("POST", std::string(kAs1) + "/token"), 1);

  // The server moves: its resource metadata now names AS2, and the AS1 token is refused.
  fetcher.routes["GET " + std::string(kPrm)] = ok(prm_for(kAs2));
  auto r = session.unauthorized(challenge);
  EXPECT_FALSE(r);  // the sign-in at AS2 cannot finish without a browser
  EXPECT_EQ(fetcher.count("POST", std::string(kAs1) + "/token"), 1) << "refreshed again at the old server";
  EXPECT_EQ(fetcher.count("GET", std::string(kAs2) + "/.well-known/oauth-authorization-server"), 1);
  EXPECT_EQ(fetcher.count("POST", std::string(kAs2) + "/register"), 1) << "no registration at the new server";
  // Nothing of AS1's reached AS2.
  for (auto& req : fetcher.requests) {
    if (!req.url.starts_with(kAs2)) continue;
    EXPECT_EQ(req.body.find("as1-"), std::string::npos) << req.url;
  }
}

// MCP 2026-07-28, UnsupportedProtocolVersionError (-32022, SEP-2575; conformance scenario
// request-metadata): its data.supported lists the versions the server implements, and "the client
// should choose a mutually supported version from this list and retry". The bug: the client gave
// up on the first -32022 even when the list named the revision it speaks.
TEST(ClientConformance, RetriesOnceWithASupportedVersionAfterUnsupportedProtocolVersion) {
  TempDir dir;
  TokenStore store(dir.path);
  struct Fetcher final : oauth::HttpFetcher {
    std::vector<std::string> bodies;
    int posts = 0;
    Result<oauth::HttpFetchResponse> fetch(const oauth::HttpFetchRequest& r) override {
      bodies.push_back(r.body);
      auto id = r.body.substr(r.body.find("\"id\":") + 5);
      id = id.substr(0, id.find_first_of(",}"));
      // The first request is refused as a version the server does not implement, naming
      // 2026-07-28 as supported; every later one succeeds.
      if (posts++ == 0)
        return oauth::HttpFetchResponse{400,
                                        R"({"jsonrpc":"2.0","id":)" + id +
                                            R"(,"error":{"code":-32022,"message":"Unsupported protocol version",)"
                                            R"("data":{"supported":["2026-07-28"],"requested":"2026-07-28"}}})",
                                        std::nullopt,
                                        {},
                                        {{"content-type", "application/json"}}};
      return oauth::HttpFetchResponse{
          200,
          R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":{"supportedVersions":["2026-07-28"]}})",
          std::nullopt,
          {},
          {{"content-type", "application/json"}}};
    }
  } fetcher;
  OAuthSession auth(kEndpoint, ClientOptions{}, fetcher, store);
  ConnectionOptions options;
  options.protocol = "2026-07-28";
  McpConnection connection(kEndpoint, auth, fetcher, options);
  auto info = connection.connect();
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(fetcher.posts, 2);
}

// A server that keeps refusing every version is not asked forever: one retry per request.
TEST(ClientConformance, UnsupportedProtocolVersionRetryIsBounded) {
  TempDir dir;
  TokenStore store(dir.path);
  struct Fetcher final : oauth::HttpFetcher {
    int posts = 0;
    Result<oauth::HttpFetchResponse> fetch(const oauth::HttpFetchRequest& r) override {
      ++posts;
      auto id = r.body.substr(r.body.find("\"id\":") + 5);
      id = id.substr(0, id.find_first_of(",}"));
      return oauth::HttpFetchResponse{
          400,
          R"({"jsonrpc":"2.0","id":)" + id +
              R"(,"error":{"code":-32022,"message":"no","data":{"supported":["2026-07-28"],"requested":"x"}}})",
          std::nullopt,
          {},
          {{"content-type", "application/json"}}};
    }
  } fetcher;
  OAuthSession auth(kEndpoint, ClientOptions{}, fetcher, store);
  ConnectionOptions options;
  options.protocol = "2026-07-28";
  McpConnection connection(kEndpoint, auth, fetcher, options);
  EXPECT_FALSE(connection.connect());
  EXPECT_EQ(fetcher.posts, 2);
}

}  // namespace
}  // namespace mcpgate::client
