// crm_api --listen HOST:PORT --issuer URL --db FILE [--log FILE]
//
// The CRM's own HTTP API: the service the example CRM MCP server calls, and a resource server of
// its own. It accepts only access tokens issued for it — `aud` = its URL (`http://HOST:PORT/api`,
// RFC 8707), signed by the issuer's keys (JWKS from the issuer's metadata), typ at+jwt — and
// checks scopes per operation: crm:read to read, crm:write to change. A token minted for someone
// else (the user's token for the gateway's MCP endpoint, above all) is refused with 401
// invalid_token: a leaked or passed-through token is worth nothing here.
//
// It logs one JSON line per request (to --log, else standard error): method, path, status and
// what the presented token claimed (audience, scope, subject, actor, client), `verified` saying
// whether the token was accepted. Never the token itself.
//
// Once listening it prints `crm_api listening on http://HOST:PORT/api` on standard output.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>

#include "crm_api_routes.hpp"
#include "net/http_server.hpp"
#include "oauth/http_fetcher.hpp"
#include "oauth/jwks_cache.hpp"
#include "oauth/token_validator.hpp"

namespace {
using namespace mcpgate;

struct Args {
  std::string listen = "127.0.0.1:0";
  std::string issuer;
  std::string db;
  std::string log;
};

bool parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    std::string v = argv[i + 1];
    if (k == "--listen")
      a.listen = v;
    else if (k == "--issuer")
      a.issuer = v;
    else if (k == "--db")
      a.db = v;
    else if (k == "--log")
      a.log = v;
    else
      return false;
  }
  return argc % 2 == 1 && !a.issuer.empty() && !a.db.empty();
}

// One line per write(2), so that a reader of the file never sees half a line from us.
class LineLog {
 public:
  explicit LineLog(const std::string& path)
      : fd_(path.empty() ? 2 : ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) {}
  ~LineLog() {
    if (fd_ > 2) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  void write(std::string line) {
    line += '\n';
    std::lock_guard lock(mu_);
    std::size_t off = 0;
    while (off < line.size()) {
      auto n = ::write(fd_, line.data() + off, line.size() - off);
      if (n <= 0) return;
      off += std::size_t(n);
    }
  }

 private:
  int fd_;
  std::mutex mu_;
};

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, args)) {
    std::cerr << "usage: crm_api --listen HOST:PORT --issuer URL --db FILE [--log FILE]\n";
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  auto colon = args.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "crm_api: --listen HOST:PORT\n";
    return 2;
  }
  std::string host = args.listen.substr(0, colon);
  unsigned long port = 0;
  try {
    port = std::stoul(args.listen.substr(colon + 1));
  } catch (...) {
    port = 65536;
  }
  if (port > 65535) {
    std::cerr << "crm_api: bad port in --listen\n";
    return 2;
  }
  auto store = crm::CustomerStore::open(args.db);
  if (!store) {
    std::cerr << "crm_api: " << store.error().message << "\n";
    return 1;
  }
  LineLog log(args.log);
  if (!log.ok()) {
    std::cerr << "crm_api: cannot open " << args.log << "\n";
    return 1;
  }

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  // The routes are built once the port is known (the audience is the URL we listen on); until
  // then nothing is accepted.
  std::unique_ptr<crm::Api> api;
  std::atomic<crm::Api*> ready{nullptr};
  // One serving thread: the SQLite connection is used by one thread at a time.
  net::HttpServer server(
      host, static_cast<std::uint16_t>(port), net::ServerLimits{},
      [&ready, &log](net::Exchange& ex) -> net::awaitable<void> {
        auto* a = ready.load();
        net::Response res{net::http::status::service_unavailable, ex.request().version()};
        if (a) {
          auto answered = a->answer(ex.request());
          res = std::move(answered.response);
          log.write(answered.log_line);
        }
        co_await ex.respond(std::move(res));
      },
      1);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "crm_api: " << e.what() << "\n";
    return 1;
  }
  std::string url_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string base = "http://" + url_host + ":" + std::to_string(server.port());

  oauth::ValidatorConfig vc;
  vc.resource = base + "/api";
  oauth::IssuerConfig ic;
  ic.issuer = args.issuer;
  ic.algorithms = {oauth::Algorithm::ES256, oauth::Algorithm::RS256, oauth::Algorithm::EdDSA};
  ic.require_access_token_type = true;
  auto fetcher = std::make_shared<oauth::BlockingHttpFetcher>();
  ic.keys = std::make_shared<oauth::JwksCache>(std::make_unique<oauth::MetadataJwksSource>(args.issuer, fetcher),
                                               oauth::JwksCacheOptions{}, system_clock());
  vc.issuers.push_back(std::move(ic));
  api = std::make_unique<crm::Api>(base, std::move(*store),
                                   std::make_unique<oauth::TokenValidator>(std::move(vc), system_clock()));
  ready = api.get();
  std::cout << "crm_api listening on " << base << "/api" << std::endl;

  int sig = 0;
  sigwait(&stop, &sig);
  server.stop();
  server.wait();
  return 0;
}
