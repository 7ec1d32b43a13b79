#include "authserver/sqlite_connection.hpp"

#include <memory>

namespace mcpgate::authserver {

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return fail("storage: cannot open " + path + ": " + msg);
  }
  std::unique_ptr<Connection> c(new Connection(db));
  sqlite3_busy_timeout(db, 5000);  // the admin commands write from another process
  // WAL: readers on other connections never wait for the writer. synchronous=FULL: a COMMIT
  // that returned is fsynced in the log, so it survives power loss, not only kill -9; group
  // commit (one fsync per batch) is what keeps that affordable.
  if (!c->exec_script("PRAGMA journal_mode=WAL")) return fail(c->error("journal_mode"));
  if (!c->exec_script("PRAGMA synchronous=FULL")) return fail(c->error("synchronous"));
  if (!c->exec_script("PRAGMA foreign_keys=ON")) return fail(c->error("foreign_keys"));
  return c;
}

Connection::~Connection() {
  for (auto& [sql, s] : cache_) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

Stmt Connection::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(it->second);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    sqlite3_finalize(s);
    return Stmt(nullptr);
  }
  cache_.emplace(std::string(sql), s);
  return Stmt(s);
}

bool Connection::exec(std::string_view sql) {
  auto s = prepare(sql);
  int rc = s.step();
  return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

bool Connection::exec_script(const char* sql) {
  return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

std::string Connection::error(std::string_view what) const {
  return "storage: " + std::string(what) + ": " + sqlite3_errmsg(db_);
}

Result<void> SqliteTransactor::begin() {
  if (!c_.exec("BEGIN IMMEDIATE")) return fail(c_.error("begin"));
  return {};
}
Result<void> SqliteTransactor::commit() {
  if (!c_.exec("COMMIT")) return fail(c_.error("commit"));
  return {};
}
void SqliteTransactor::rollback() {
  // A ROLLBACK that fails leaves the transaction open: the next begin() then fails and its batch
  // reports the failure to every write, so nothing is committed behind a caller's back.
  if (c_.in_transaction()) (void)c_.exec("ROLLBACK");
}
Result<void> SqliteTransactor::savepoint() {
  if (!c_.exec("SAVEPOINT w")) return fail(c_.error("savepoint"));
  return {};
}
void SqliteTransactor::release(bool keep) {
  if (!c_.in_transaction()) return;
  if (!keep && !c_.exec("ROLLBACK TO w")) {
    // The write asked to be undone and could not be: rather than let its changes reach the
    // commit, the whole transaction goes (GroupCommit then fails the batch, as for any aborted
    // transaction).
    rollback();
    return;
  }
  // A RELEASE that fails leaves the savepoint on the stack, inside the transaction: COMMIT still
  // commits what it holds, which is what a kept write asked for.
  (void)c_.exec("RELEASE w");
}

}  // namespace mcpgate::authserver
