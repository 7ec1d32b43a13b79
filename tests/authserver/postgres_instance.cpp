#include "postgres_instance.hpp"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include "support/free_port.hpp"

namespace mcpgate::test {
namespace {
namespace fs = std::filesystem;

std::string find_bin() {
  if (const char* e = std::getenv("MCPGATE_PG_BIN"); e && *e) return e;
  std::vector<fs::path> found;
  std::error_code ec;
  for (auto& d : fs::directory_iterator("/usr/lib/postgresql", ec))
    if (fs::exists(d.path() / "bin" / "postgres")) found.push_back(d.path() / "bin");
  if (found.empty()) return {};
  // The highest version (directories are named by major version).
  std::sort(found.begin(), found.end(), [](auto& a, auto& b) {
    return std::atoi(a.parent_path().filename().c_str()) < std::atoi(b.parent_path().filename().c_str());
  });
  return found.back().string();
}

// Our own paths and numbers only: nothing here comes from outside the test.
int run(const std::string& runas, const std::string& cmd) {
  std::string full = runas.empty() ? cmd : "runuser -u " + runas + " -- " + cmd;
  return std::system((full + " >/dev/null 2>&1").c_str());
}

}  // namespace

Result<std::unique_ptr<PostgresInstance>> PostgresInstance::start() {
  std::unique_ptr<PostgresInstance> p(new PostgresInstance());
  p->bin_ = find_bin();
  if (p->bin_.empty())
    return fail(
        "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin or $MCPGATE_PG_BIN): run scripts/setup");
  std::string tmpl = (fs::temp_directory_path() / "mcpgate-pg-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return fail("cannot create a temporary directory");
  p->dir_ = tmpl;
  if (::geteuid() == 0) {
    // PostgreSQL will not run as root: hand the directory to the postgres user.
    passwd* pw = ::getpwnam("postgres");
    if (!pw) return fail("running as root and there is no postgres user to run PostgreSQL as");
    p->runas_ = "postgres";
    if (::chown(p->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return fail("cannot chown " + p->dir_);
  }
  std::string data = p->dir_ + "/data";
  if (run(p->runas_, p->bin_ + "/initdb -D " + data + " -U mcpgate -A trust --no-sync") != 0)
    return fail("initdb failed in " + data);
  for (int attempt = 0; attempt < 5 && !p->running_; ++attempt) {
    p->port_ = free_port();
    std::string opts = "-p " + std::to_string(p->port_) + " -k " + p->dir_ +
                       " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200";
    // -w: pg_ctl returns once the server accepts connections (no sleeping in the test).
    p->running_ = run(p->runas_, p->bin_ + "/pg_ctl -D " + data + " -l " + p->dir_ + "/log -w -t 60 -o \"" + opts +
                                     "\" start") == 0;
  }
  if (!p->running_) return fail("postgres did not start (log: " + p->dir_ + "/log)");
  return p;
}

PostgresInstance::~PostgresInstance() {
  if (running_) run(runas_, bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop");
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

Result<std::string> PostgresInstance::create_database() {
  std::string base = "postgresql://mcpgate@127.0.0.1:" + std::to_string(port_) + "/";
  // (Built with append: g++ 12 warns, wrongly, on "t" + std::to_string(n) at -O3.)
  std::string name = "t";
  name.append(std::to_string(++databases_));
  PGconn* c = PQconnectdb((base + "postgres").c_str());
  // CREATE DATABASE takes no parameters; the name is ours ("t" and a counter).
  PGresult* r = PQexec(c, ("CREATE DATABASE " + name).c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string err = PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
  if (!ok) return fail("CREATE DATABASE failed: " + err);
  return base + name;
}

Result<PostgresInstance*> shared_postgres() {
  static std::mutex mu;
  static std::unique_ptr<PostgresInstance> instance;
  static std::string error;
  std::lock_guard lock(mu);
  if (!instance && error.empty()) {
    auto p = PostgresInstance::start();
    if (p)
      instance = std::move(*p);
    else
      error = p.error().message;
  }
  if (!instance) return fail(error);
  return instance.get();
}

}  // namespace mcpgate::test
