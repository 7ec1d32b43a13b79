// authserver_testd: the embedded authorization server alone, on 127.0.0.1, for the node tests
// and the conformance suite. It seeds one user and a few clients into its database (idempotent,
// so a restart on the same database keeps every grant). Test-only: nothing here is in the product.
//
//   authserver_testd --db PATH [--port N] [--resource URL] [--cimd-allow-private]
//   prints "READY <port>" on stdout once it serves.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "authserver/authorization_server.hpp"
#include "authserver/password.hpp"
#include "core/secret.hpp"
#include "net/http_server.hpp"

using namespace mcpgate;
using namespace mcpgate::authserver;

int main(int argc, char** argv) {
  std::string db, resource;
  std::uint16_t port = 0;
  bool cimd_private = false;
  std::size_t login_limit = 5;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--db")
      db = next();
    else if (a == "--port")
      port = std::uint16_t(std::stoi(next()));
    else if (a == "--resource")
      resource = next();
    else if (a == "--cimd-allow-private")
      cimd_private = true;
    else if (a == "--login-limit")
      login_limit = std::stoul(next());
    else {
      std::cerr << "unknown argument " << a << "\n";
      return 2;
    }
  }
  if (db.empty()) {
    std::cerr << "--db is required\n";
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::shared_ptr<AuthorizationServer> as;
  std::atomic<AuthorizationServer*> ready{nullptr};
  net::HttpServer server(
      "127.0.0.1", port, net::ServerLimits{},
      [&ready](net::Exchange& ex) -> net::awaitable<void> {
        auto* a = ready.load();
        if (a && co_await a->handle(ex)) co_return;
        net::Response res{a ? boost::beast::http::status::not_found : boost::beast::http::status::service_unavailable,
                          ex.request().version()};
        res.set(boost::beast::http::field::content_type, "text/plain");
        res.body() = "not found\n";
        co_await ex.respond(std::move(res));
      },
      2);
  server.start();
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());

  Options o;
  o.issuer = base;
  o.storage = "sqlite:" + db;
  o.allow_loopback_http = true;
  o.cimd_allow_private_addresses = cimd_private;
  o.login_per_user.max_failures = login_limit;
  o.resources.push_back(
      {resource.empty() ? base + "/mcp" : resource, {"mcp:read", "mcp:write", "offline_access"}, {"mcp:read"}});
  o.resources.push_back({base + "/other", {"other:read"}, {}});
  auto created = AuthorizationServer::create(o);
  if (!created) {
    std::cerr << created.error().message << "\n";
    return 1;
  }
  as = std::move(*created);
  auto& store = as->store();
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (auto u = store.get_user("alice"); u && !*u) {
    auto h = hash_password(Secret("alice-password"), system_random());
    (void)store.put_user({"alice", *h, now});
  }
  ClientRecord pub;
  pub.client_id = "test-public";
  pub.client_name = "Test Public Client";
  pub.redirect_uris = {"http://127.0.0.1/callback", "http://127.0.0.1:3000/callback"};
  pub.created_at = now;
  (void)store.put_client(pub);
  ClientRecord conf = pub;
  conf.client_id = "test-confidential";
  conf.client_name = "Test Confidential Client";
  conf.token_endpoint_auth_method = "client_secret_basic";
  conf.secret_hash = sha256_hex("test-secret");
  conf.grant_types = {"authorization_code", "refresh_token", "client_credentials",
                      "urn:ietf:params:oauth:grant-type:token-exchange"};
  (void)store.put_client(conf);
  ready = as.get();
  std::cout << "READY " << server.port() << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  server.stop();
  server.wait();
  return 0;
}
