#pragma once
// One SQLite connection with its prepared statements: each SQL text is parsed once per
// connection and kept; a statement handed out is reset and unbound when the handle goes. A
// connection is used by one thread at a time (the store leases it), so it is opened without
// SQLite's own mutex.
#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "authserver/group_commit.hpp"
#include "core/result.hpp"

namespace mcpgate::authserver {

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  ~Stmt() {
    if (s_) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, std::string_view v) {
    if (s_) sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    if (s_) sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  int step() { return s_ ? sqlite3_step(s_) : SQLITE_ERROR; }
  std::string text(int i) const {
    auto p = sqlite3_column_text(s_, i);
    return p ? std::string(reinterpret_cast<const char*>(p), std::size_t(sqlite3_column_bytes(s_, i))) : std::string();
  }
  std::int64_t integer(int i) const { return sqlite3_column_int64(s_, i); }

 private:
  sqlite3_stmt* s_;
};

class Connection {
 public:
  // Opens (and creates) the file. WAL, synchronous=FULL, busy timeout for the admin commands'
  // writes from another process.
  [[nodiscard]] static Result<std::unique_ptr<Connection>> open(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The cached statement for `sql` (prepared on first use). Only one handle per SQL text may be
  // live at a time.
  Stmt prepare(std::string_view sql);
  // A statement without results (BEGIN, COMMIT, …), prepared once like any other.
  [[nodiscard]] bool exec(std::string_view sql);
  // Several statements, parsed every time: schema set-up only.
  [[nodiscard]] bool exec_script(const char* sql);
  std::string error(std::string_view what) const;
  int changes() const { return sqlite3_changes(db_); }
  [[nodiscard]] bool in_transaction() const { return !sqlite3_get_autocommit(db_); }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

// The writer connection's transaction, driven by GroupCommit: BEGIN IMMEDIATE … COMMIT around a
// batch, a savepoint around each write.
class SqliteTransactor final : public Transactor {
 public:
  explicit SqliteTransactor(Connection& c) : c_(c) {}
  [[nodiscard]] Result<void> begin() override;
  [[nodiscard]] Result<void> commit() override;
  void rollback() override;
  [[nodiscard]] Result<void> savepoint() override;
  void release(bool keep) override;
  [[nodiscard]] bool in_transaction() override { return c_.in_transaction(); }

 private:
  Connection& c_;
};

}  // namespace mcpgate::authserver
