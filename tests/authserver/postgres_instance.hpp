#pragma once
// A private PostgreSQL server for tests: initdb in a temporary directory, postgres on a free
// loopback port with its Unix socket inside that directory, removed again at the end. No system
// service is needed. PostgreSQL refuses to run as root, so under root (CI) the server runs as the
// package's `postgres` user on a directory it owns.
//
// The server binaries are found in $MCPGATE_PG_BIN or /usr/lib/postgresql/<version>/bin. When
// they are absent, start() fails with a message saying so: the tests then fail, never skip
// (scripts/setup installs the package).
#include <memory>
#include <string>

#include "core/result.hpp"

namespace mcpgate::test {

class PostgresInstance {
 public:
  static Result<std::unique_ptr<PostgresInstance>> start();
  ~PostgresInstance();  // stops the server and removes its directory
  PostgresInstance(const PostgresInstance&) = delete;
  PostgresInstance& operator=(const PostgresInstance&) = delete;

  int port() const { return port_; }
  // A new, empty database on this server; returns its postgresql:// URL.
  Result<std::string> create_database();

 private:
  PostgresInstance() = default;
  std::string dir_, bin_, runas_;
  int port_ = 0;
  int databases_ = 0;
  bool running_ = false;
};

// One server for the whole test program, started on first use.
Result<PostgresInstance*> shared_postgres();

}  // namespace mcpgate::test
