// The embedded Store: one SQLite file in WAL mode with synchronous=FULL, so that a transaction that
// returned is in the log and fsynced: it survives kill -9 and power loss. One connection behind a
// mutex: the authorization server's writes are small and rare next to the gateway's request path,
// and a single writer is what SQLite allows anyway.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <mutex>

#include "authserver/store.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;

std::string_view kind_name(ClientKind k) {
  switch (k) {
    case ClientKind::preregistered:
      return "preregistered";
    case ClientKind::dynamic:
      return "dynamic";
    case ClientKind::metadata_document:
      return "metadata_document";
  }
  return "?";
}

namespace {

ClientKind kind_from(std::string_view s) {
  if (s == "dynamic") return ClientKind::dynamic;
  if (s == "metadata_document") return ClientKind::metadata_document;
  return ClientKind::preregistered;
}

std::string to_json_array(const std::vector<std::string>& v) {
  json::array a;
  for (auto& s : v) a.emplace_back(s);
  return json::serialize(a);
}
std::vector<std::string> from_json_array(std::string_view text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);  // our own column, written by to_json_array
  if (ec || !v.is_array()) return out;
  for (auto& e : v.as_array())
    if (e.is_string()) out.emplace_back(e.as_string());
  return out;
}

const char* state_name(KeyRecord::State s) {
  switch (s) {
    case KeyRecord::State::next:
      return "next";
    case KeyRecord::State::current:
      return "current";
    case KeyRecord::State::retired:
      return "retired";
  }
  return "next";
}
KeyRecord::State state_from(std::string_view s) {
  if (s == "current") return KeyRecord::State::current;
  if (s == "retired") return KeyRecord::State::retired;
  return KeyRecord::State::next;
}

const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('schema_version', 1), ('key_generation', 0);
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS clients (
  client_id TEXT PRIMARY KEY, kind TEXT NOT NULL, client_name TEXT NOT NULL, redirect_uris TEXT NOT NULL,
  grant_types TEXT NOT NULL, auth_method TEXT NOT NULL, secret_hash TEXT NOT NULL, jwks TEXT NOT NULL,
  scope TEXT NOT NULL, application_type TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS consents (
  username TEXT NOT NULL, client_id TEXT NOT NULL, resource TEXT NOT NULL, scope TEXT NOT NULL,
  created_at INTEGER NOT NULL, PRIMARY KEY (username, client_id, resource, scope));
CREATE TABLE IF NOT EXISTS codes (
  code_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL, code_challenge TEXT NOT NULL,
  resource TEXT NOT NULL, scope TEXT NOT NULL, subject TEXT NOT NULL, auth_time INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, redeemed INTEGER NOT NULL DEFAULT 0, family_id TEXT);
CREATE TABLE IF NOT EXISTS families (
  family_id TEXT PRIMARY KEY, revoked INTEGER NOT NULL DEFAULT 0, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (
  token_hash TEXT PRIMARY KEY, family_id TEXT NOT NULL, client_id TEXT NOT NULL, subject TEXT NOT NULL,
  resource TEXT NOT NULL, scope TEXT NOT NULL, expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS refresh_family ON refresh_tokens(family_id);
CREATE TABLE IF NOT EXISTS issued_tokens (
  jti TEXT PRIMARY KEY, family_id TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS issued_family ON issued_tokens(family_id);
CREATE TABLE IF NOT EXISTS revoked (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS keys (
  kid TEXT PRIMARY KEY, alg TEXT NOT NULL, private_pem TEXT NOT NULL, state TEXT NOT NULL,
  created_at INTEGER NOT NULL, retired_at INTEGER NOT NULL);
)SQL";

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  std::string text(int i) const {
    auto p = sqlite3_column_text(s_, i);
    return p ? std::string(reinterpret_cast<const char*>(p), std::size_t(sqlite3_column_bytes(s_, i))) : std::string();
  }
  std::int64_t integer(int i) const { return sqlite3_column_int64(s_, i); }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  Result<void> init() {
    if (!exec("PRAGMA journal_mode=WAL")) return fail(error("journal_mode"));
    if (!exec("PRAGMA synchronous=FULL")) return fail(error("synchronous"));
    if (!exec("PRAGMA foreign_keys=ON")) return fail(error("foreign_keys"));
    sqlite3_busy_timeout(db_, 5000);  // the admin commands write from another process
    if (!exec(kSchema)) return fail(error("schema"));
    return {};
  }

  Result<void> put_user(const UserRecord& u) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "INSERT OR REPLACE INTO users VALUES (?,?,?)");
    s.bind(1, u.username).bind(2, u.password_hash).bind(3, u.created_at);
    return done(s);
  }
  Result<std::optional<UserRecord>> get_user(std::string_view name) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT username, password_hash, created_at FROM users WHERE username=?");
    s.bind(1, name);
    int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<UserRecord>();
    if (rc != SQLITE_ROW) return fail(error("get_user"));
    return std::optional<UserRecord>(UserRecord{s.text(0), s.text(1), s.integer(2)});
  }
  Result<std::vector<UserRecord>> list_users() override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT username, password_hash, created_at FROM users ORDER BY username");
    std::vector<UserRecord> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back({s.text(0), s.text(1), s.integer(2)});
    if (rc != SQLITE_DONE) return fail(error("list_users"));
    return out;
  }
  Result<bool> remove_user(std::string_view name) override {
    std::lock_guard lock(mu_);
    if (!exec("BEGIN IMMEDIATE")) return fail(error("begin"));
    Stmt s(db_, "DELETE FROM users WHERE username=?");
    s.bind(1, name);
    if (s.step() != SQLITE_DONE) return rollback("remove_user");
    bool removed = sqlite3_changes(db_) > 0;
    Stmt c(db_, "DELETE FROM consents WHERE username=?");
    c.bind(1, name);
    if (c.step() != SQLITE_DONE) return rollback("remove_user");
    if (!exec("COMMIT")) return rollback("commit");
    return removed;
  }

  Result<void> put_client(const ClientRecord& c) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "INSERT OR REPLACE INTO clients VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, c.client_id).bind(2, kind_name(c.kind)).bind(3, c.client_name).bind(4, to_json_array(c.redirect_uris));
    s.bind(5, to_json_array(c.grant_types))
        .bind(6, c.token_endpoint_auth_method)
        .bind(7, c.secret_hash)
        .bind(8, c.jwks);
    s.bind(9, c.scope).bind(10, c.application_type).bind(11, c.created_at);
    return done(s);
  }
  static ClientRecord client_from(const Stmt& s) {
    ClientRecord c;
    c.client_id = s.text(0);
    c.kind = kind_from(s.text(1));
    c.client_name = s.text(2);
    c.redirect_uris = from_json_array(s.text(3));
    c.grant_types = from_json_array(s.text(4));
    c.token_endpoint_auth_method = s.text(5);
    c.secret_hash = s.text(6);
    c.jwks = s.text(7);
    c.scope = s.text(8);
    c.application_type = s.text(9);
    c.created_at = s.integer(10);
    return c;
  }
  Result<std::optional<ClientRecord>> get_client(std::string_view id) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT * FROM clients WHERE client_id=?");
    s.bind(1, id);
    int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<ClientRecord>();
    if (rc != SQLITE_ROW) return fail(error("get_client"));
    return std::optional<ClientRecord>(client_from(s));
  }
  Result<std::vector<ClientRecord>> list_clients() override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT * FROM clients ORDER BY client_id");
    std::vector<ClientRecord> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(client_from(s));
    if (rc != SQLITE_DONE) return fail(error("list_clients"));
    return out;
  }
  Result<bool> remove_client(std::string_view id) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "DELETE FROM clients WHERE client_id=?");
    s.bind(1, id);
    if (s.step() != SQLITE_DONE) return fail(error("remove_client"));
    return sqlite3_changes(db_) > 0;
  }

  Result<void> put_consent(std::string_view user, std::string_view client, std::string_view resource,
                           std::string_view scope, Seconds now) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "INSERT OR REPLACE INTO consents VALUES (?,?,?,?,?)");
    s.bind(1, user).bind(2, client).bind(3, resource).bind(4, scope).bind(5, now);
    return done(s);
  }
  Result<bool> has_consent(std::string_view user, std::string_view client, std::string_view resource,
                           std::string_view scope) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT 1 FROM consents WHERE username=? AND client_id=? AND resource=? AND scope=?");
    s.bind(1, user).bind(2, client).bind(3, resource).bind(4, scope);
    int rc = s.step();
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return fail(error("has_consent"));
  }

  Result<void> put_code(const AuthorizationCode& c) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "INSERT INTO codes (code_hash, client_id, redirect_uri, code_challenge, resource, scope, subject, "
           "auth_time, expires_at) VALUES (?,?,?,?,?,?,?,?,?)");
    s.bind(1, c.code_hash).bind(2, c.client_id).bind(3, c.redirect_uri).bind(4, c.code_challenge).bind(5, c.resource);
    s.bind(6, c.scope).bind(7, c.subject).bind(8, c.auth_time).bind(9, c.expires_at);
    return done(s);
  }

  expected<AuthorizationCode, RedeemError> redeem_code(std::string_view code_hash, Seconds now,
                                                       const std::function<bool(const AuthorizationCode&)>& check,
                                                       const std::string& family_id,
                                                       const std::optional<RefreshToken>& refresh,
                                                       const IssuedToken& access) override {
    using E = unexpected<RedeemError>;
    std::lock_guard lock(mu_);
    if (!exec("BEGIN IMMEDIATE")) return E(RedeemError::storage);
    AuthorizationCode c;
    std::int64_t redeemed = 0;
    std::string old_family;
    {
      Stmt s(db_,
             "SELECT client_id, redirect_uri, code_challenge, resource, scope, subject, auth_time, expires_at, "
             "redeemed, family_id FROM codes WHERE code_hash=?");
      s.bind(1, code_hash);
      int rc = s.step();
      if (rc == SQLITE_DONE) {
        exec("ROLLBACK");
        return E(RedeemError::not_found);
      }
      if (rc != SQLITE_ROW) {
        exec("ROLLBACK");
        return E(RedeemError::storage);
      }
      c = AuthorizationCode{std::string(code_hash), s.text(0),   s.text(1), s.text(2), s.text(3), s.text(4), s.text(5),
                            s.integer(6),           s.integer(7)};
      redeemed = s.integer(8);
      old_family = s.text(9);
    }
    if (redeemed) {
      // A code presented twice was stolen or replayed: revoke what the first use produced
      // (RFC 6749 §4.1.2, OAuth 2.1 §4.1.3).
      bool ok = old_family.empty() || revoke_family_locked(old_family, now);
      exec(ok ? "COMMIT" : "ROLLBACK");
      return E(RedeemError::already_redeemed);
    }
    bool expired = now >= c.expires_at;
    bool matches = !expired && check(c);
    {
      // Burn the code whatever happens next: a code that failed PKCE or client binding once was
      // in the wrong hands, and must not be retried.
      Stmt u(db_, "UPDATE codes SET redeemed=1, family_id=? WHERE code_hash=?");
      u.bind(1, matches ? std::string_view(family_id) : std::string_view()).bind(2, code_hash);
      if (u.step() != SQLITE_DONE) {
        exec("ROLLBACK");
        return E(RedeemError::storage);
      }
    }
    if (!matches) {
      if (!exec("COMMIT")) exec("ROLLBACK");
      return E(expired ? RedeemError::expired : RedeemError::mismatch);
    }
    Seconds family_exp = refresh ? refresh->expires_at : access.expires_at;
    std::optional<RefreshToken> r = refresh;
    if (r) {
      // The grant's facts come from the code itself, read inside this transaction.
      r->family_id = family_id;
      r->client_id = c.client_id;
      r->subject = c.subject;
      r->resource = c.resource;
      r->scope = c.scope;
    }
    IssuedToken a = access;
    a.family_id = family_id;
    if (!insert_family(family_id, family_exp) || (r && !insert_refresh(*r)) || !insert_issued(a) || !exec("COMMIT")) {
      exec("ROLLBACK");
      return E(RedeemError::storage);
    }
    return c;
  }

  expected<RefreshToken, RefreshError> rotate_refresh(std::string_view token_hash, std::string_view client_id,
                                                      Seconds now, const RefreshToken& next,
                                                      const IssuedToken& access) override {
    using E = unexpected<RefreshError>;
    std::lock_guard lock(mu_);
    if (!exec("BEGIN IMMEDIATE")) return E(RefreshError::storage);
    RefreshToken t;
    std::int64_t used = 0, revoked = 0;
    {
      Stmt s(db_,
             "SELECT r.family_id, r.client_id, r.subject, r.resource, r.scope, r.expires_at, r.used, f.revoked "
             "FROM refresh_tokens r JOIN families f ON f.family_id = r.family_id WHERE r.token_hash=?");
      s.bind(1, token_hash);
      int rc = s.step();
      if (rc == SQLITE_DONE) {
        exec("ROLLBACK");
        return E(RefreshError::not_found);
      }
      if (rc != SQLITE_ROW) {
        exec("ROLLBACK");
        return E(RefreshError::storage);
      }
      t = RefreshToken{std::string(token_hash), s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.integer(5)};
      used = s.integer(6);
      revoked = s.integer(7);
    }
    if (t.client_id != client_id) {
      exec("ROLLBACK");
      return E(RefreshError::wrong_client);
    }
    if (revoked) {
      exec("ROLLBACK");
      return E(RefreshError::revoked);
    }
    if (used) {
      // Refresh token reuse: one of the two holders is an attacker, and we cannot tell which, so
      // the whole family dies (RFC 9700 §4.14.2, OAuth 2.1 §4.3.1).
      bool ok = revoke_family_locked(t.family_id, now);
      exec(ok ? "COMMIT" : "ROLLBACK");
      return E(RefreshError::reused);
    }
    if (now >= t.expires_at) {
      exec("ROLLBACK");
      return E(RefreshError::expired);
    }
    Stmt u(db_, "UPDATE refresh_tokens SET used=1 WHERE token_hash=?");
    u.bind(1, token_hash);
    RefreshToken n = next;
    n.family_id = t.family_id;
    n.client_id = t.client_id;
    n.subject = t.subject;
    n.resource = t.resource;
    n.scope = t.scope;
    IssuedToken a = access;
    a.family_id = t.family_id;
    if (u.step() != SQLITE_DONE || !insert_refresh(n) || !insert_issued(a) ||
        !extend_family(t.family_id, n.expires_at) || !exec("COMMIT")) {
      exec("ROLLBACK");
      return E(RefreshError::storage);
    }
    return t;
  }

  Result<std::optional<RefreshToken>> get_refresh(std::string_view token_hash, Seconds now) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "SELECT r.family_id, r.client_id, r.subject, r.resource, r.scope, r.expires_at FROM refresh_tokens r "
           "JOIN families f ON f.family_id = r.family_id WHERE r.token_hash=? AND r.used=0 AND f.revoked=0 "
           "AND r.expires_at>?");
    s.bind(1, token_hash).bind(2, now);
    int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<RefreshToken>();
    if (rc != SQLITE_ROW) return fail(error("get_refresh"));
    return std::optional<RefreshToken>(
        RefreshToken{std::string(token_hash), s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.integer(5)});
  }

  Result<void> revoke_family(std::string_view family_id, Seconds now) override {
    std::lock_guard lock(mu_);
    if (!exec("BEGIN IMMEDIATE")) return fail(error("begin"));
    if (!revoke_family_locked(family_id, now) || !exec("COMMIT")) return rollback("revoke_family");
    return {};
  }

  Result<void> record_token(const IssuedToken& t) override {
    std::lock_guard lock(mu_);
    if (!insert_issued(t)) return fail(error("record_token"));
    return {};
  }
  Result<void> revoke_jti(std::string_view jti, Seconds exp) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "INSERT OR IGNORE INTO revoked VALUES (?,?)");
    s.bind(1, jti).bind(2, exp);
    return done(s);
  }
  Result<std::vector<std::string>> revoked_jtis(Seconds now) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT jti FROM revoked WHERE expires_at>?");
    s.bind(1, now);
    std::vector<std::string> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(s.text(0));
    if (rc != SQLITE_DONE) return fail(error("revoked_jtis"));
    return out;
  }

  Result<std::vector<KeyRecord>> list_keys() override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT kid, alg, private_pem, state, created_at, retired_at FROM keys ORDER BY created_at, kid");
    std::vector<KeyRecord> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
      out.push_back(KeyRecord{s.text(0), s.text(1), s.text(2), state_from(s.text(3)), s.integer(4), s.integer(5)});
    if (rc != SQLITE_DONE) return fail(error("list_keys"));
    return out;
  }
  Result<void> replace_keys(const std::vector<KeyRecord>& keys) override {
    std::lock_guard lock(mu_);
    if (!exec("BEGIN IMMEDIATE")) return fail(error("begin"));
    if (!exec("DELETE FROM keys")) return rollback("replace_keys");
    for (auto& k : keys) {
      Stmt s(db_, "INSERT INTO keys VALUES (?,?,?,?,?,?)");
      s.bind(1, k.kid).bind(2, k.alg).bind(3, k.private_pem).bind(4, state_name(k.state)).bind(5, k.created_at);
      s.bind(6, k.retired_at);
      if (s.step() != SQLITE_DONE) return rollback("replace_keys");
    }
    if (!exec("UPDATE meta SET value=value+1 WHERE key='key_generation'") || !exec("COMMIT"))
      return rollback("replace_keys");
    return {};
  }
  Result<std::int64_t> key_generation() override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT value FROM meta WHERE key='key_generation'");
    if (s.step() != SQLITE_ROW) return fail(error("key_generation"));
    return s.integer(0);
  }

  Result<void> purge(Seconds now) override {
    std::lock_guard lock(mu_);
    if (!exec("BEGIN IMMEDIATE")) return fail(error("begin"));
    // Redeemed codes are kept until they expire so that a replay is still recognized as one.
    const char* stmts[] = {"DELETE FROM codes WHERE expires_at<=?", "DELETE FROM refresh_tokens WHERE expires_at<=?",
                           "DELETE FROM families WHERE expires_at<=?", "DELETE FROM issued_tokens WHERE expires_at<=?",
                           "DELETE FROM revoked WHERE expires_at<=?"};
    for (auto sql : stmts) {
      Stmt s(db_, sql);
      s.bind(1, now);
      if (s.step() != SQLITE_DONE) return rollback("purge");
    }
    if (!exec("COMMIT")) return rollback("purge");
    return {};
  }

 private:
  bool exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }
  std::string error(std::string_view what) { return "storage: " + std::string(what) + ": " + sqlite3_errmsg(db_); }
  Result<void> done(Stmt& s) {
    if (s.step() != SQLITE_DONE) return fail(error("write"));
    return {};
  }
  unexpected<Error> rollback(std::string_view what) {
    auto e = error(what);
    exec("ROLLBACK");
    return fail(e);
  }
  bool insert_family(std::string_view id, Seconds exp) {
    Stmt s(db_, "INSERT INTO families (family_id, expires_at) VALUES (?,?)");
    s.bind(1, id).bind(2, exp);
    return s.step() == SQLITE_DONE;
  }
  bool extend_family(std::string_view id, Seconds exp) {
    Stmt s(db_, "UPDATE families SET expires_at=MAX(expires_at, ?) WHERE family_id=?");
    s.bind(1, exp).bind(2, id);
    return s.step() == SQLITE_DONE;
  }
  bool insert_refresh(const RefreshToken& r) {
    Stmt s(db_,
           "INSERT INTO refresh_tokens (token_hash, family_id, client_id, subject, resource, scope, expires_at) "
           "VALUES (?,?,?,?,?,?,?)");
    s.bind(1, r.token_hash).bind(2, r.family_id).bind(3, r.client_id).bind(4, r.subject).bind(5, r.resource);
    s.bind(6, r.scope).bind(7, r.expires_at);
    return s.step() == SQLITE_DONE;
  }
  bool insert_issued(const IssuedToken& t) {
    Stmt s(db_, "INSERT OR REPLACE INTO issued_tokens VALUES (?,?,?)");
    s.bind(1, t.jti).bind(2, t.family_id).bind(3, t.expires_at);
    return s.step() == SQLITE_DONE;
  }
  bool revoke_family_locked(std::string_view family_id, Seconds now) {
    Stmt f(db_, "UPDATE families SET revoked=1 WHERE family_id=?");
    f.bind(1, family_id);
    if (f.step() != SQLITE_DONE) return false;
    Stmt r(
        db_,
        "INSERT OR IGNORE INTO revoked SELECT jti, expires_at FROM issued_tokens WHERE family_id=? AND expires_at>?");
    r.bind(1, family_id).bind(2, now);
    return r.step() == SQLITE_DONE;
  }

  sqlite3* db_;
  std::mutex mu_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_store(std::string_view uri) {
  if (!uri.starts_with("sqlite:")) return fail("storage: only sqlite:PATH is supported, got a different scheme");
  std::string path(uri.substr(7));
  if (path.empty()) return fail("storage: sqlite: needs a path");
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail("storage: cannot create " + dir.string() + ": " + ec.message());
  }
  // Create the file with 0600 before SQLite opens it: it holds the private signing keys. The
  // -wal and -shm files SQLite creates take the main file's permissions.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail("storage: cannot open " + path);
  ::fchmod(fd, 0600);
  ::close(fd);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return fail("storage: cannot open " + path + ": " + msg);
  }
  auto store = std::make_unique<SqliteStore>(db);
  if (auto r = store->init(); !r) return fail(r.error().message);
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace mcpgate::authserver
