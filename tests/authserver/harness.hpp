#pragma once
// A running AuthorizationServer on 127.0.0.1 (port 0) with a temporary SQLite database, an
// injected clock, and a small blocking HTTP client that keeps one browser's cookie.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <atomic>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <map>
#include <regex>

#include "authserver/authorization_server.hpp"
#include "authserver/form.hpp"
#include "authserver/password.hpp"
#include "core/base64url.hpp"
#include "faulty_store.hpp"
#include "net/http_server.hpp"

namespace mcpgate::authserver::testing {
namespace http = boost::beast::http;

class FakeClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(t.load()));
  }
  void advance(std::chrono::seconds s) { t += s.count(); }
  std::atomic<std::int64_t> t{1'900'000'000};
};

struct Reply {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names, last value wins
  std::string body;
  std::string header(const std::string& n) const {
    auto it = headers.find(n);
    return it == headers.end() ? std::string() : it->second;
  }
};

inline std::string s256(std::string_view verifier) {
  unsigned char md[32];
  unsigned len = 0;
  EVP_Digest(verifier.data(), verifier.size(), md, &len, EVP_sha256(), nullptr);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

// Query parameters of a redirect Location.
inline Params query_of(const std::string& location) {
  auto q = location.find('?');
  auto p = parse_form(q == std::string::npos ? std::string_view() : std::string_view(location).substr(q + 1));
  return p ? *p : Params{};
}

inline std::string scrape(const std::string& html, const std::string& name) {
  std::regex re("name=\"" + name + "\" value=\"([^\"]*)\"");
  std::smatch m;
  return std::regex_search(html, m, re) ? m[1].str() : std::string();
}

class Harness {
 public:
  explicit Harness(std::function<void(Options&)> tweak = {}, std::shared_ptr<MetadataFetcher> f = nullptr,
                   std::shared_ptr<LoginStateStore> login_state = nullptr)
      : fetcher(std::move(f)) {
    dir_ = std::filesystem::temp_directory_path() /
           ("as-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(dir_);
    server_ = std::make_unique<net::HttpServer>(
        "127.0.0.1", 0, net::ServerLimits{},
        [this](net::Exchange& ex) -> net::awaitable<void> {
          if (co_await as->handle(ex)) co_return;
          net::Response res{http::status::not_found, ex.request().version()};
          co_await ex.respond(std::move(res));
        },
        1);
    server_->start();
    base = "http://127.0.0.1:" + std::to_string(server_->port());
    resource = base + "/mcp";
    options.issuer = base;
    options.storage = "sqlite:" + (dir_ / "as.db").string();
    options.allow_loopback_http = true;
    options.resources = {{resource, {"mcp:read", "mcp:write"}, {"mcp:read"}}, {base + "/other", {"other:read"}, {}}};
    if (tweak) tweak(options);
    auto opened = open_store(options.storage);
    if (!opened) throw std::runtime_error(opened.error().message);
    auto store = std::make_unique<FaultyStore>(std::move(*opened));
    faults = store.get();
    auto a = AuthorizationServer::create(
        options, std::move(store),
        Dependencies{.clock = &clock, .fetcher = fetcher, .login_state = std::move(login_state)});
    if (!a) throw std::runtime_error(a.error().message);
    as = std::move(*a);
    auto h = hash_password(Secret("alice-password"), system_random(), PasswordParams{1, 64, 1});
    (void)as->store().put_user({"alice", *h, 0});
    ClientRecord pub;
    pub.client_id = "public";
    pub.client_name = "Public <Client>";
    pub.redirect_uris = {"http://127.0.0.1/callback", "https://app.example.com/cb?x=1"};
    (void)as->store().put_client(pub);
    ClientRecord conf = pub;
    conf.client_id = "conf";
    conf.client_name = "Confidential";
    conf.token_endpoint_auth_method = "client_secret_basic";
    conf.secret_hash = sha256_hex("s3cr%t+x");
    conf.grant_types = {"authorization_code", "refresh_token", "client_credentials",
                        "urn:ietf:params:oauth:grant-type:token-exchange",
                        "urn:ietf:params:oauth:grant-type:jwt-bearer"};
    (void)as->store().put_client(conf);
  }
  ~Harness() {
    server_->stop(std::chrono::milliseconds(0));
    server_->wait();
    as.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Reply request(http::verb verb, const std::string& target, const std::string& body = {},
                const std::string& content_type = "application/x-www-form-urlencoded",
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    namespace asio = boost::asio;
    asio::io_context io;
    boost::beast::tcp_stream s(io);
    s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    for (auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || verb == http::verb::post) {
      req.set(http::field::content_type, content_type);
      req.body() = body;
      req.prepare_payload();
    }
    http::write(s, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    Reply r{res.result_int(), {}, res.body()};
    for (auto& f : res) {
      std::string n(f.name_string());
      for (auto& c : n) c = char(std::tolower(c));
      r.headers[n] = std::string(f.value());
      if (n == "set-cookie") cookie = std::string(f.value()).substr(0, std::string(f.value()).find(';'));
    }
    return r;
  }
  Reply get(const std::string& target) { return request(http::verb::get, target); }
  Reply post(const std::string& target, const std::string& body,
             std::vector<std::pair<std::string, std::string>> h = {}) {
    return request(http::verb::post, target, body, "application/x-www-form-urlencoded", std::move(h));
  }

  std::string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-this-is-long-enough";

  // An authorization URL with sane defaults; `override` replaces or (with empty value) drops.
  std::string authorize_url(std::map<std::string, std::string> override = {}) {
    std::map<std::string, std::string> p{{"response_type", "code"},
                                         {"client_id", "public"},
                                         {"redirect_uri", "http://127.0.0.1:5555/callback"},
                                         {"state", "st-123"},
                                         {"code_challenge", s256(verifier)},
                                         {"code_challenge_method", "S256"},
                                         {"resource", resource},
                                         {"scope", "mcp:read"}};
    for (auto& [k, v] : override) {
      if (v.empty())
        p.erase(k);
      else
        p[k] = v;
    }
    std::string url = "/authorize?";
    for (auto& [k, v] : p) url += percent_encode(k) + "=" + percent_encode(v) + "&";
    url.pop_back();
    return url;
  }

  // Drives login and consent; returns the final redirect Location.
  std::string authorize_and_consent(std::map<std::string, std::string> override = {}) {
    auto page = get(authorize_url(override));
    if (page.status == 302) return page.header("location");
    if (page.body.find("Sign in") != std::string::npos && page.body.find("password") != std::string::npos) {
      page = post("/authorize/login", "request_id=" + percent_encode(scrape(page.body, "request_id")) +
                                          "&csrf_token=" + percent_encode(scrape(page.body, "csrf_token")) +
                                          "&username=alice&password=alice-password");
      if (page.status == 303) return page.header("location");
    }
    auto r = post("/authorize/consent", "request_id=" + percent_encode(scrape(page.body, "request_id")) +
                                            "&csrf_token=" + percent_encode(scrape(page.body, "csrf_token")) +
                                            "&decision=approve");
    return r.header("location");
  }

  std::string code_for(std::map<std::string, std::string> override = {}) {
    return query_of(authorize_and_consent(std::move(override)))["code"];
  }

  Reply redeem(const std::string& code, std::string client = "public",
               std::string redirect = "http://127.0.0.1:5555/callback", std::string verifier_override = {}) {
    std::string body = "grant_type=authorization_code&code=" + percent_encode(code) +
                       "&redirect_uri=" + percent_encode(redirect) +
                       "&code_verifier=" + percent_encode(verifier_override.empty() ? verifier : verifier_override) +
                       "&resource=" + percent_encode(resource);
    std::vector<std::pair<std::string, std::string>> h;
    if (client == "conf")
      h.push_back({"Authorization", "Basic " + base64_encode("conf:" + percent_encode("s3cr%t+x"))});
    else
      body += "&client_id=" + percent_encode(client);
    return post("/token", body, h);
  }

  FakeClock clock;
  std::shared_ptr<MetadataFetcher> fetcher;
  Options options;
  std::string base, resource, cookie;
  std::unique_ptr<AuthorizationServer> as;
  FaultyStore* faults = nullptr;  // the server's store, with the failures a test injects

 private:
  static std::atomic<int>& counter() {
    static std::atomic<int> c{0};
    return c;
  }
  std::filesystem::path dir_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace mcpgate::authserver::testing
