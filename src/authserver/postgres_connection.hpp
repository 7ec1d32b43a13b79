#pragma once
// One libpq connection and the results of its statements. Every statement goes through
// PQexecParams with its values as separate parameters: no SQL text is ever built from data, so
// nothing a client sends (a code, a client_id, a username) can change what a statement does.
#include <libpq-fe.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mcpgate::authserver {

// A statement's result; rows and columns in libpq's text format.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r, &PQclear) {}
  bool ok() const;  // the command succeeded (with or without rows)
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  std::string text(int row, int col) const;
  std::int64_t integer(int row, int col) const;
  std::int64_t affected() const;  // rows changed by INSERT/UPDATE/DELETE
  // The SQLSTATE of a failed statement ("40P01" deadlock, "57014" statement timeout, …).
  std::string sqlstate() const;

 private:
  std::shared_ptr<PGresult> r_;
};

// A statement parameter: text, a number, or SQL NULL.
struct PgParam {
  PgParam(std::string_view v) : value(v) {}
  PgParam(const std::string& v) : value(v) {}
  PgParam(const char* v) : value(v) {}
  PgParam(std::int64_t v) : value(std::to_string(v)) {}
  PgParam(std::nullopt_t) {}
  std::optional<std::string> value;
};

struct PgConnectOptions {
  std::string conninfo;  // a postgres:// URL or key=value string, passed to libpq as it is
  std::string password;  // from the configuration's password_env/password_file; empty: libpq's own
  int connect_timeout_seconds = 5;
  int statement_timeout_ms = 5000;
};

class PgConnection {
 public:
  static Result<std::unique_ptr<PgConnection>> open(const PgConnectOptions& o);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  PgResult exec(const char* sql, std::initializer_list<PgParam> params = {});
  // Runs exec and reports a failed statement as an error naming `what` and libpq's message.
  Result<PgResult> run(std::string_view what, const char* sql, std::initializer_list<PgParam> params = {});
  // Several statements of fixed text (schema migrations only): the simple query protocol.
  Result<void> run_script(std::string_view what, const char* sql);
  bool broken() const { return PQstatus(c_) != CONNECTION_OK; }
  // Whether the last statement left a transaction open (or failed inside one).
  bool in_transaction() const { return PQtransactionStatus(c_) != PQTRANS_IDLE; }
  std::string error(std::string_view what) const;

 private:
  explicit PgConnection(PGconn* c) : c_(c) {}
  PGconn* c_;
};

}  // namespace mcpgate::authserver
