// HttpServer with TLS and HttpClient over TLS on loopback, port 0, with certificates from a
// throw-away CA made by the openssl CLI in a temporary directory: the handshake, pooled
// keep-alive, the named refusals (unknown CA, name mismatch, expired), and a certificate reload
// that new connections see while an open one keeps its own.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>

#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/tls_client.hpp"
#include "net/tls_server.hpp"

namespace mcpgate::net {
namespace {

namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

// The CA and leaves are made once for the suite.
class Pki {
 public:
  Pki() {
    char tmpl[] = "/tmp/mcpgate-tls-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    ok_ = run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem"
              " -days 2 -subj /CN=ca") &&
          run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key"
              " -out other.pem -days 2 -subj /CN=other") &&
          leaf("good", "ca", "IP:127.0.0.1", 2) && leaf("second", "ca", "IP:127.0.0.1", 2) &&
          leaf("wrongname", "ca", "DNS:wrong.example", 2) && leaf("expired", "ca", "IP:127.0.0.1", -1) &&
          leaf("stranger", "other", "IP:127.0.0.1", 2);
  }
  ~Pki() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  bool ok() const { return ok_; }
  std::string path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

 private:
  bool run(const std::string& command) {
    return std::system(("cd " + dir_ + " && " + command + " >/dev/null 2>&1").c_str()) == 0;
  }
  bool leaf(const std::string& name, const std::string& issuer, const std::string& san, int days) {
    std::ofstream(path(name + ".ext")) << "subjectAltName=" << san << "\n";
    return run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + name + ".key -out " + name +
               ".csr -subj /CN=" + name) &&
           run("openssl x509 -req -in " + name + ".csr -CA " + issuer + ".pem -CAkey " + issuer + ".key -set_serial " +
               std::to_string(++serial_) + " -days " + std::to_string(days) + " -extfile " + name + ".ext -out " +
               name + ".pem");
  }
  std::string dir_;
  bool ok_ = false;
  int serial_ = 1;
};

class TlsRoundTrip : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new Pki(); }
  static void TearDownTestSuite() { delete pki_; }

  void SetUp() override { ASSERT_TRUE(pki_->ok()) << "the openssl CLI could not make the test certificates"; }
  void TearDown() override {
    if (server_) {
      server_->stop(std::chrono::milliseconds(0));
      server_->wait();
    }
  }
  void serve(const std::string& leaf) {
    fs::copy_file(pki_->path(leaf + ".pem"), pki_->path("served.pem"), fs::copy_options::overwrite_existing);
    fs::copy_file(pki_->path(leaf + ".key"), pki_->path("served.key"), fs::copy_options::overwrite_existing);
    auto tls = TlsServerContext::create({pki_->path("served.pem"), pki_->path("served.key")});
    ASSERT_TRUE(tls) << tls.error().message;
    tls_ = *tls;
    server_ = std::make_unique<HttpServer>(
        "127.0.0.1", 0, ServerLimits{},
        [this](Exchange& ex) -> awaitable<void> {
          if (ex.request().target() == "/watch") {
            // An idle stream: it waits for nothing but its client going away.
            http::response<http::empty_body> head{http::status::ok, 11};
            co_await ex.start_stream(std::move(head));
            co_await ex.write_chunk("one");
            asio::steady_timer idle(ex.executor(), steady::time_point::max());
            ex.on_peer_gone([&idle] { idle.cancel(); });
            co_await idle.async_wait(as_tuple_awaitable);
            co_await ex.end_stream();
            watched_.set_value(ex.peer_gone());
            co_return;
          }
          Response res{http::status::ok, 11};
          res.body() = ex.secure() ? "over tls" : "plain";
          co_await ex.respond(std::move(res));
        },
        1);
    server_->set_tls(tls_);
    server_->start();
  }
  std::shared_ptr<TlsClientContext> trusting(const std::string& ca, const std::string& server_name = "") {
    auto c = TlsClientContext::create({.ca_file = pki_->path(ca + ".pem"), .server_name = server_name});
    EXPECT_TRUE(c) << (c ? "" : c.error().message);
    return c ? *c : nullptr;
  }
  // Sends `count` GETs on one client (so pooled connections are reused); the bodies, or the error.
  std::vector<Result<std::string>> get(std::shared_ptr<TlsClientContext> tls, int count = 1) {
    asio::io_context io;
    std::vector<Result<std::string>> out;
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
          HttpClient client(io.get_executor());
          for (int i = 0; i < count; ++i) {
            Request req{http::verb::get, "/", 11};
            req.set(http::field::host, "127.0.0.1");
            Endpoint ep{"127.0.0.1", server_->port(), tls};
            auto deadline = steady::now() + std::chrono::seconds(10);
            auto rs = co_await client.send(ep, req, deadline);
            if (!rs) {
              out.push_back(unexpected(rs.error()));
              continue;
            }
            out.push_back(co_await (*rs)->read_all(deadline));
          }
        },
        asio::detached);
    io.run();
    return out;
  }

  std::promise<bool> watched_;  // /watch: the stream learned that its client went away
  static Pki* pki_;
  std::shared_ptr<TlsServerContext> tls_;
  std::unique_ptr<HttpServer> server_;
};
Pki* TlsRoundTrip::pki_ = nullptr;

TEST_F(TlsRoundTrip, HandshakeAndKeepAliveWithTheConfiguredCa) {
  serve("good");
  auto r = get(trusting("ca"), 3);
  ASSERT_EQ(r.size(), 3u);
  for (auto& b : r) {
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(*b, "over tls");
  }
}

TEST_F(TlsRoundTrip, RefusalsNameTheReason) {
  serve("stranger");
  auto r = get(trusting("ca"));
  ASSERT_FALSE(r[0]);
  EXPECT_NE(r[0].error().message.find("unknown certificate authority"), std::string::npos) << r[0].error().message;
  TearDown();
  serve("wrongname");
  r = get(trusting("ca"));
  ASSERT_FALSE(r[0]);
  EXPECT_NE(r[0].error().message.find("certificate name mismatch"), std::string::npos) << r[0].error().message;
  // The same certificate is accepted when the name it carries is the one expected.
  r = get(trusting("ca", "wrong.example"));
  EXPECT_TRUE(r[0]) << r[0].error().message;
  TearDown();
  serve("expired");
  r = get(trusting("ca"));
  ASSERT_FALSE(r[0]);
  EXPECT_NE(r[0].error().message.find("certificate expired"), std::string::npos) << r[0].error().message;
  // The system store does not know the test CA.
  TearDown();
  serve("good");
  r = get(TlsClientContext::system_default());
  ASSERT_FALSE(r[0]);
  EXPECT_NE(r[0].error().message.find("unknown certificate authority"), std::string::npos) << r[0].error().message;
}

TEST_F(TlsRoundTrip, ReloadServesTheNewCertificateAndRefusesAMismatchedPair) {
  serve("good");
  auto generation = tls_->generation();
  fs::copy_file(pki_->path("second.pem"), pki_->path("served.pem"), fs::copy_options::overwrite_existing);
  fs::copy_file(pki_->path("second.key"), pki_->path("served.key"), fs::copy_options::overwrite_existing);
  ASSERT_TRUE(tls_->reload());
  EXPECT_EQ(tls_->generation(), generation + 1);
  EXPECT_TRUE(get(trusting("ca"))[0]);
  // A certificate whose key is another one's: refused, the running pair stays.
  fs::copy_file(pki_->path("good.pem"), pki_->path("served.pem"), fs::copy_options::overwrite_existing);
  auto bad = tls_->reload();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("served.key"), std::string::npos)
      << "the error names the file: " << bad.error().message;
  EXPECT_EQ(tls_->generation(), generation + 1);
  EXPECT_TRUE(get(trusting("ca"))[0]);
}

TEST_F(TlsRoundTrip, StreamLearnsThatItsClientClosedTheTlsSession) {
  // A TLS client that leaves sends close_notify, then its FIN: bytes the server does not read
  // (it only writes to a stream) before the close, which the watch still recognises.
  serve("good");
  auto result = watched_.get_future();
  asio::io_context io;
  ssl::context context(ssl::context::tls_client);
  context.set_verify_mode(ssl::verify_none);  // the subject here is the close, not the chain
  ssl::stream<tcp::socket> client(io, context);
  client.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  client.handshake(ssl::stream_base::client);
  std::string request = "GET /watch HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  asio::write(client, asio::buffer(request));
  std::string seen;
  char buf[1024];
  while (seen.find("one") == std::string::npos) {
    error_code ec;
    auto n = client.read_some(asio::buffer(buf), ec);
    seen.append(buf, n);
    ASSERT_FALSE(ec) << ec.message();
  }
  // close_notify goes out first; the shutdown would then wait for the server's, which never
  // comes (the server is not reading), so the socket is closed after it.
  client.async_shutdown([](error_code) {});
  io.run_for(std::chrono::milliseconds(100));
  client.next_layer().close();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(30)), std::future_status::ready) << "the close went unnoticed";
  EXPECT_TRUE(result.get());
}

}  // namespace
}  // namespace mcpgate::net
