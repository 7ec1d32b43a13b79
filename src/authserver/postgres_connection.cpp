#include "authserver/postgres_connection.hpp"

#include <charconv>
#include <cstdlib>
#include <vector>

namespace mcpgate::authserver {

bool PgResult::ok() const {
  if (!r_) return false;
  auto s = PQresultStatus(r_.get());
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

std::string PgResult::text(int row, int col) const {
  if (!r_ || PQgetisnull(r_.get(), row, col)) return {};
  return std::string(PQgetvalue(r_.get(), row, col), std::size_t(PQgetlength(r_.get(), row, col)));
}

std::int64_t PgResult::integer(int row, int col) const {
  std::int64_t v = 0;
  if (!r_ || PQgetisnull(r_.get(), row, col)) return 0;
  const char* p = PQgetvalue(r_.get(), row, col);
  std::from_chars(p, p + PQgetlength(r_.get(), row, col), v);
  return v;
}

std::int64_t PgResult::affected() const {
  if (!r_) return 0;
  const char* n = PQcmdTuples(r_.get());
  std::int64_t v = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), v);
  return v;
}

std::string PgResult::sqlstate() const {
  if (!r_) return {};
  const char* s = PQresultErrorField(r_.get(), PG_DIAG_SQLSTATE);
  return s ? s : "";
}

Result<std::unique_ptr<PgConnection>> PgConnection::open(const PgConnectOptions& o) {
  // expand_dbname: the first "dbname" is the whole URL; the keywords after it override what the
  // URL says. The password travels here, never in a message: libpq's errors do not repeat it.
  std::string timeout = std::to_string(o.connect_timeout_seconds);
  // statement_timeout bounds every statement, and lock_timeout the wait for a row another
  // replica holds, so that a stuck database costs a request its deadline, not a thread forever.
  std::string options = "-c statement_timeout=" + std::to_string(o.statement_timeout_ms) +
                        " -c lock_timeout=" + std::to_string(o.statement_timeout_ms) +
                        " -c client_min_messages=warning" +
                        " -c idle_in_transaction_session_timeout=" + std::to_string(o.statement_timeout_ms * 2);
  std::vector<const char*> keys{"dbname", "connect_timeout", "options", "application_name"};
  std::vector<const char*> values{o.conninfo.c_str(), timeout.c_str(), options.c_str(), "mcpgate"};
  if (!o.password.empty()) {
    keys.push_back("password");
    values.push_back(o.password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* c = PQconnectdbParams(keys.data(), values.data(), 1);
  if (!c) return fail("storage: postgres: out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return fail("storage: postgres: cannot connect: " + msg);
  }
  return std::unique_ptr<PgConnection>(new PgConnection(c));
}

PgConnection::~PgConnection() {
  PQfinish(c_);
}

PgResult PgConnection::exec(const char* sql, std::initializer_list<PgParam> params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (auto& p : params) values.push_back(p.value ? p.value->c_str() : nullptr);
  // Text parameters with types left to the server: it infers each from the column it meets.
  return PgResult(PQexecParams(c_, sql, int(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
}

Result<PgResult> PgConnection::run(std::string_view what, const char* sql, std::initializer_list<PgParam> params) {
  auto r = exec(sql, params);
  if (!r.ok()) return fail(error(what));
  return r;
}

Result<void> PgConnection::run_script(std::string_view what, const char* sql) {
  PgResult r(PQexec(c_, sql));
  if (!r.ok()) return fail(error(what));
  return {};
}

std::string PgConnection::error(std::string_view what) const {
  std::string msg = PQerrorMessage(c_);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return "storage: postgres: " + std::string(what) + ": " + msg;
}

}  // namespace mcpgate::authserver
