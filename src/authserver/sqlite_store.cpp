// The embedded Store: one SQLite file in WAL mode with synchronous=FULL, so that a transaction that
// returned is in the log and fsynced: it survives kill -9 and power loss.
//
// Writes go through group commit: one writer connection on its own thread runs the writes of all
// concurrent requests in one transaction and one fsync, and each caller returns only once the
// batch holding its write is committed. Each write keeps the atomicity it had as a transaction of
// its own (a savepoint), and writes are serialized on the one writer, so a code is redeemed and a
// refresh token rotated exactly once. Reads use connections of their own (WAL lets them run
// beside the writer) and see only committed data. Every connection prepares each statement once.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <mutex>

#include "authserver/group_commit.hpp"
#include "authserver/sqlite_connection.hpp"
#include "authserver/sqlite_schema.hpp"
#include "authserver/store.hpp"
#include "authserver/store_columns.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;

namespace {

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, std::unique_ptr<Connection> writer)
      : path_(std::move(path)), w_(std::move(writer)), tx_(*w_), group_(tx_) {}

  [[nodiscard]] Result<void> init() {
    std::string err;
    auto r = group_.run([&] {
      if (auto e = create_schema(*w_); !e.empty()) {
        err = w_->error(e);
        return false;
      }
      return true;
    });
    if (!r) return r;
    if (!err.empty()) return fail(err);
    return {};
  }

  [[nodiscard]] Result<void> put_user(const UserRecord& u) override {
    return write("put_user", [&](Connection& c) {
      auto s = c.prepare("INSERT OR REPLACE INTO users (username, password_hash, created_at, scope) VALUES (?,?,?,?)");
      s.bind(1, u.username).bind(2, u.password_hash).bind(3, u.created_at).bind(4, u.scope);
      return s.step() == SQLITE_DONE;
    });
  }
  [[nodiscard]] Result<std::optional<UserRecord>> get_user(std::string_view name) override {
    return read([&](Connection& c) -> Result<std::optional<UserRecord>> {
      auto s = c.prepare("SELECT username, password_hash, created_at, scope FROM users WHERE username=?");
      s.bind(1, name);
      int rc = s.step();
      if (rc == SQLITE_DONE) return std::optional<UserRecord>();
      if (rc != SQLITE_ROW) return fail(c.error("get_user"));
      return std::optional<UserRecord>(UserRecord{s.text(0), s.text(1), s.integer(2), s.text(3)});
    });
  }
  [[nodiscard]] Result<std::vector<UserRecord>> list_users() override {
    return read([&](Connection& c) -> Result<std::vector<UserRecord>> {
      auto s = c.prepare("SELECT username, password_hash, created_at, scope FROM users ORDER BY username");
      std::vector<UserRecord> out;
      int rc;
      while ((rc = s.step()) == SQLITE_ROW) out.push_back({s.text(0), s.text(1), s.integer(2), s.text(3)});
      if (rc != SQLITE_DONE) return fail(c.error("list_users"));
      return out;
    });
  }
  [[nodiscard]] Result<bool> remove_user(std::string_view name) override {
    bool removed = false;
    auto r = write("remove_user", [&](Connection& c) {
      auto s = c.prepare("DELETE FROM users WHERE username=?");
      s.bind(1, name);
      if (s.step() != SQLITE_DONE) return false;
      removed = c.changes() > 0;
      auto d = c.prepare("DELETE FROM consents WHERE username=?");
      d.bind(1, name);
      if (d.step() != SQLITE_DONE) return false;
      auto p = c.prepare("DELETE FROM provider_tokens WHERE subject=?");
      p.bind(1, name);
      return p.step() == SQLITE_DONE;
    });
    if (!r) return unexpected<Error>(r.error());
    return removed;
  }

  [[nodiscard]] Result<void> put_provider_token(const ProviderToken& t) override {
    return write("put_provider_token", [&](Connection& c) {
      auto s = c.prepare("INSERT OR REPLACE INTO provider_tokens VALUES (?,?,?)");
      s.bind(1, t.subject).bind(2, t.sealed).bind(3, t.checked_at);
      return s.step() == SQLITE_DONE;
    });
  }
  [[nodiscard]] Result<std::optional<ProviderToken>> get_provider_token(std::string_view subject) override {
    return read([&](Connection& c) -> Result<std::optional<ProviderToken>> {
      auto s = c.prepare("SELECT subject, sealed, checked_at FROM provider_tokens WHERE subject=?");
      s.bind(1, subject);
      int rc = s.step();
      if (rc == SQLITE_DONE) return std::optional<ProviderToken>();
      if (rc != SQLITE_ROW) return fail(c.error("get_provider_token"));
      return std::optional<ProviderToken>(ProviderToken{s.text(0), s.text(1), s.integer(2)});
    });
  }

  [[nodiscard]] Result<void> put_client(const ClientRecord& cl) override {
    return write("put_client", [&](Connection& c) {
      auto s = c.prepare("INSERT OR REPLACE INTO clients VALUES (?,?,?,?,?,?,?,?,?,?,?)");
      s.bind(1, cl.client_id).bind(2, kind_name(cl.kind)).bind(3, cl.client_name);
      s.bind(4, to_json_array(cl.redirect_uris)).bind(5, to_json_array(cl.grant_types));
      s.bind(6, cl.token_endpoint_auth_method).bind(7, cl.secret_hash).bind(8, cl.jwks);
      s.bind(9, cl.scope).bind(10, cl.application_type).bind(11, cl.created_at);
      return s.step() == SQLITE_DONE;
    });
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
  [[nodiscard]] Result<std::optional<ClientRecord>> get_client(std::string_view id) override {
    return read([&](Connection& c) -> Result<std::optional<ClientRecord>> {
      auto s = c.prepare("SELECT * FROM clients WHERE client_id=?");
      s.bind(1, id);
      int rc = s.step();
      if (rc == SQLITE_DONE) return std::optional<ClientRecord>();
      if (rc != SQLITE_ROW) return fail(c.error("get_client"));
      return std::optional<ClientRecord>(client_from(s));
    });
  }
  [[nodiscard]] Result<std::vector<ClientRecord>> list_clients() override {
    return read([&](Connection& c) -> Result<std::vector<ClientRecord>> {
      auto s = c.prepare("SELECT * FROM clients ORDER BY client_id");
      std::vector<ClientRecord> out;
      int rc;
      while ((rc = s.step()) == SQLITE_ROW) out.push_back(client_from(s));
      if (rc != SQLITE_DONE) return fail(c.error("list_clients"));
      return out;
    });
  }
  [[nodiscard]] Result<bool> remove_client(std::string_view id) override {
    bool removed = false;
    auto r = write("remove_client", [&](Connection& c) {
      auto s = c.prepare("DELETE FROM clients WHERE client_id=?");
      s.bind(1, id);
      if (s.step() != SQLITE_DONE) return false;
      removed = c.changes() > 0;
      return true;
    });
    if (!r) return unexpected<Error>(r.error());
    return removed;
  }

  [[nodiscard]] Result<void> put_consent(std::string_view user, std::string_view client, std::string_view resource,
                                         std::string_view scope, Seconds now) override {
    return write("put_consent", [&](Connection& c) {
      auto s = c.prepare("INSERT OR REPLACE INTO consents VALUES (?,?,?,?,?)");
      s.bind(1, user).bind(2, client).bind(3, resource).bind(4, scope).bind(5, now);
      return s.step() == SQLITE_DONE;
    });
  }
  [[nodiscard]] Result<bool> has_consent(std::string_view user, std::string_view client, std::string_view resource,
                                         std::string_view scope) override {
    return read([&](Connection& c) -> Result<bool> {
      auto s = c.prepare("SELECT 1 FROM consents WHERE username=? AND client_id=? AND resource=? AND scope=?");
      s.bind(1, user).bind(2, client).bind(3, resource).bind(4, scope);
      int rc = s.step();
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      return fail(c.error("has_consent"));
    });
  }

  [[nodiscard]] Result<void> put_code(const AuthorizationCode& code) override {
    return write("put_code", [&](Connection& c) {
      auto s = c.prepare(
          "INSERT INTO codes (code_hash, client_id, redirect_uri, code_challenge, resource, scope, subject, "
          "auth_time, expires_at) VALUES (?,?,?,?,?,?,?,?,?)");
      s.bind(1, code.code_hash).bind(2, code.client_id).bind(3, code.redirect_uri).bind(4, code.code_challenge);
      s.bind(5, code.resource).bind(6, code.scope).bind(7, code.subject).bind(8, code.auth_time);
      s.bind(9, code.expires_at);
      return s.step() == SQLITE_DONE;
    });
  }

  [[nodiscard]] expected<AuthorizationCode, RedeemError> redeem_code(
      std::string_view code_hash, Seconds now, const std::function<bool(const AuthorizationCode&)>& check,
      const std::string& family_id, const std::optional<RefreshToken>& refresh, const IssuedToken& access) override {
    expected<AuthorizationCode, RedeemError> out = unexpected<RedeemError>(RedeemError::storage);
    auto r = group_.run([&] { return redeem_locked(*w_, code_hash, now, check, family_id, refresh, access, out); });
    if (!r) return unexpected<RedeemError>(RedeemError::storage);  // not durable: nothing happened
    return out;
  }

  [[nodiscard]] expected<RefreshToken, RefreshError> rotate_refresh(std::string_view token_hash,
                                                                    std::string_view client_id, Seconds now,
                                                                    const RefreshToken& next,
                                                                    const IssuedToken& access) override {
    expected<RefreshToken, RefreshError> out = unexpected<RefreshError>(RefreshError::storage);
    auto r = group_.run([&] { return rotate_locked(*w_, token_hash, client_id, now, next, access, out); });
    if (!r) return unexpected<RefreshError>(RefreshError::storage);
    return out;
  }

  [[nodiscard]] Result<std::optional<RefreshToken>> get_refresh(std::string_view token_hash, Seconds now) override {
    return read([&](Connection& c) -> Result<std::optional<RefreshToken>> {
      auto s = c.prepare(
          "SELECT r.family_id, r.client_id, r.subject, r.resource, r.scope, r.expires_at FROM refresh_tokens r "
          "JOIN families f ON f.family_id = r.family_id WHERE r.token_hash=? AND r.used=0 AND f.revoked=0 "
          "AND r.expires_at>?");
      s.bind(1, token_hash).bind(2, now);
      int rc = s.step();
      if (rc == SQLITE_DONE) return std::optional<RefreshToken>();
      if (rc != SQLITE_ROW) return fail(c.error("get_refresh"));
      return std::optional<RefreshToken>(
          RefreshToken{std::string(token_hash), s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.integer(5)});
    });
  }

  [[nodiscard]] Result<void> revoke_user_grants(std::string_view subject, Seconds now) override {
    return write("revoke_user_grants", [&](Connection& c) {
      constexpr const char* kFamilies =
          "(SELECT family_id FROM refresh_tokens WHERE subject=?1 UNION "
          "SELECT family_id FROM codes WHERE subject=?1 AND family_id IS NOT NULL)";
      auto r = c.prepare(std::string("INSERT OR IGNORE INTO revoked SELECT jti, expires_at FROM issued_tokens "
                                     "WHERE expires_at>?2 AND family_id IN ") +
                         kFamilies);
      r.bind(1, subject).bind(2, now);
      if (r.step() != SQLITE_DONE) return false;
      auto f = c.prepare(std::string("UPDATE families SET revoked=1 WHERE family_id IN ") + kFamilies);
      f.bind(1, subject);
      return f.step() == SQLITE_DONE;
    });
  }
  [[nodiscard]] Result<void> revoke_family(std::string_view family_id, Seconds now) override {
    return write("revoke_family", [&](Connection& c) { return revoke_family_locked(c, family_id, now); });
  }

  [[nodiscard]] Result<void> record_token(const IssuedToken& t) override {
    return write("record_token", [&](Connection& c) { return insert_issued(c, t); });
  }
  [[nodiscard]] Result<void> revoke_jti(std::string_view jti, Seconds exp) override {
    return write("revoke_jti", [&](Connection& c) {
      auto s = c.prepare("INSERT OR IGNORE INTO revoked VALUES (?,?)");
      s.bind(1, jti).bind(2, exp);
      return s.step() == SQLITE_DONE;
    });
  }
  [[nodiscard]] Result<std::vector<std::string>> revoked_jtis(Seconds now) override {
    return read([&](Connection& c) -> Result<std::vector<std::string>> {
      auto s = c.prepare("SELECT jti FROM revoked WHERE expires_at>?");
      s.bind(1, now);
      std::vector<std::string> out;
      int rc;
      while ((rc = s.step()) == SQLITE_ROW) out.push_back(s.text(0));
      if (rc != SQLITE_DONE) return fail(c.error("revoked_jtis"));
      return out;
    });
  }

  [[nodiscard]] Result<std::vector<KeyRecord>> list_keys() override {
    return read([&](Connection& c) -> Result<std::vector<KeyRecord>> {
      auto s =
          c.prepare("SELECT kid, alg, private_pem, state, created_at, retired_at FROM keys ORDER BY created_at, kid");
      std::vector<KeyRecord> out;
      int rc;
      while ((rc = s.step()) == SQLITE_ROW)
        out.push_back(KeyRecord{s.text(0), s.text(1), s.text(2), state_from(s.text(3)), s.integer(4), s.integer(5)});
      if (rc != SQLITE_DONE) return fail(c.error("list_keys"));
      return out;
    });
  }
  [[nodiscard]] Result<bool> replace_keys(const std::vector<KeyRecord>& keys,
                                          std::int64_t expected_generation) override {
    bool replaced = false;
    auto done = write("replace_keys", [&](Connection& c) {
      // Inside the write transaction: another process's replacement is either before (and seen
      // here) or after this one.
      auto gen = c.prepare("SELECT value FROM meta WHERE key='key_generation'");
      if (gen.step() != SQLITE_ROW) return false;
      if (gen.integer(0) != expected_generation) return true;
      if (!c.exec("DELETE FROM keys")) return false;
      for (auto& k : keys) {
        auto s = c.prepare("INSERT INTO keys VALUES (?,?,?,?,?,?)");
        s.bind(1, k.kid).bind(2, k.alg).bind(3, k.private_pem).bind(4, state_name(k.state)).bind(5, k.created_at);
        s.bind(6, k.retired_at);
        if (s.step() != SQLITE_DONE) return false;
      }
      replaced = c.exec("UPDATE meta SET value=value+1 WHERE key='key_generation'");
      return replaced;
    });
    if (!done) return unexpected<Error>(done.error());
    return replaced;
  }
  [[nodiscard]] Result<std::int64_t> key_generation() override {
    return read([&](Connection& c) -> Result<std::int64_t> {
      auto s = c.prepare("SELECT value FROM meta WHERE key='key_generation'");
      if (s.step() != SQLITE_ROW) return fail(c.error("key_generation"));
      return s.integer(0);
    });
  }

  [[nodiscard]] Result<void> purge(Seconds now) override {
    return write("purge", [&](Connection& c) {
      // Redeemed codes are kept until they expire so that a replay is still recognized as one.
      for (auto sql : {"DELETE FROM codes WHERE expires_at<=?", "DELETE FROM refresh_tokens WHERE expires_at<=?",
                       "DELETE FROM families WHERE expires_at<=?", "DELETE FROM issued_tokens WHERE expires_at<=?",
                       "DELETE FROM revoked WHERE expires_at<=?"}) {
        auto s = c.prepare(sql);
        s.bind(1, now);
        if (s.step() != SQLITE_DONE) return false;
      }
      return true;
    });
  }

 private:
  // One write, durable when this returns success. `fn` returns false to undo its own changes
  // (then the result is the writer's error message).
  template <class F>
  [[nodiscard]] Result<void> write(std::string_view what, F fn) {
    std::string err;
    auto r = group_.run([&] {
      if (fn(*w_)) return true;
      err = w_->error(what);
      return false;
    });
    if (!r) return r;
    if (!err.empty()) return fail(err);
    return {};
  }

  // A read on a connection of its own, leased for the call.
  template <class F>
  auto read(F fn) -> decltype(fn(std::declval<Connection&>())) {
    std::unique_ptr<Connection> c;
    {
      std::lock_guard lock(readers_mu_);
      if (!readers_.empty()) {
        c = std::move(readers_.back());
        readers_.pop_back();
      }
    }
    if (!c) {
      auto opened = Connection::open(path_);
      if (!opened) return unexpected<Error>(opened.error());
      c = std::move(*opened);
    }
    auto r = fn(*c);
    std::lock_guard lock(readers_mu_);
    readers_.push_back(std::move(c));
    return r;
  }

  [[nodiscard]] static bool redeem_locked(Connection& db, std::string_view code_hash, Seconds now,
                                          const std::function<bool(const AuthorizationCode&)>& check,
                                          const std::string& family_id, const std::optional<RefreshToken>& refresh,
                                          const IssuedToken& access, expected<AuthorizationCode, RedeemError>& out) {
    using E = unexpected<RedeemError>;
    AuthorizationCode c;
    std::int64_t redeemed = 0;
    std::string old_family;
    {
      auto s = db.prepare(
          "SELECT client_id, redirect_uri, code_challenge, resource, scope, subject, auth_time, expires_at, "
          "redeemed, family_id FROM codes WHERE code_hash=?");
      s.bind(1, code_hash);
      int rc = s.step();
      if (rc == SQLITE_DONE) {
        out = E(RedeemError::not_found);
        return false;
      }
      if (rc != SQLITE_ROW) return false;  // out stays storage
      c = AuthorizationCode{std::string(code_hash), s.text(0),   s.text(1), s.text(2), s.text(3), s.text(4), s.text(5),
                            s.integer(6),           s.integer(7)};
      redeemed = s.integer(8);
      old_family = s.text(9);
    }
    if (redeemed) {
      // A code presented twice was stolen or replayed: revoke what the first use produced
      // (RFC 6749 §4.1.2, OAuth 2.1 §4.1.3).
      bool ok = old_family.empty() || revoke_family_locked(db, old_family, now);
      out = E(RedeemError::already_redeemed);
      return ok;
    }
    bool expired = now >= c.expires_at;
    bool matches = !expired && check(c);
    {
      // Burn the code whatever happens next: a code that failed PKCE or client binding once was
      // in the wrong hands, and must not be retried.
      auto u = db.prepare("UPDATE codes SET redeemed=1, family_id=? WHERE code_hash=?");
      u.bind(1, matches ? std::string_view(family_id) : std::string_view()).bind(2, code_hash);
      if (u.step() != SQLITE_DONE) return false;
    }
    if (!matches) {
      out = E(expired ? RedeemError::expired : RedeemError::mismatch);
      return true;
    }
    Seconds family_exp = refresh ? refresh->expires_at : access.expires_at;
    auto rows = grant_rows(c, family_id, refresh, access);
    if (!insert_family(db, family_id, family_exp) || (rows.refresh && !insert_refresh(db, *rows.refresh)) ||
        !insert_issued(db, rows.access)) {
      out = E(RedeemError::storage);
      return false;
    }
    out = std::move(c);
    return true;
  }

  [[nodiscard]] static bool rotate_locked(Connection& db, std::string_view token_hash, std::string_view client_id,
                                          Seconds now, const RefreshToken& next, const IssuedToken& access,
                                          expected<RefreshToken, RefreshError>& out) {
    using E = unexpected<RefreshError>;
    RefreshToken t;
    std::int64_t used = 0, revoked = 0;
    {
      auto s = db.prepare(
          "SELECT r.family_id, r.client_id, r.subject, r.resource, r.scope, r.expires_at, r.used, f.revoked "
          "FROM refresh_tokens r JOIN families f ON f.family_id = r.family_id WHERE r.token_hash=?");
      s.bind(1, token_hash);
      int rc = s.step();
      if (rc == SQLITE_DONE) {
        out = E(RefreshError::not_found);
        return false;
      }
      if (rc != SQLITE_ROW) return false;
      t = RefreshToken{std::string(token_hash), s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.integer(5)};
      used = s.integer(6);
      revoked = s.integer(7);
    }
    if (t.client_id != client_id) {
      out = E(RefreshError::wrong_client);
      return false;
    }
    if (revoked) {
      out = E(RefreshError::revoked);
      return false;
    }
    if (used) {
      // Refresh token reuse: one of the two holders is an attacker, and we cannot tell which, so
      // the whole family dies (RFC 9700 §4.14.2, OAuth 2.1 §4.3.1).
      bool ok = revoke_family_locked(db, t.family_id, now);
      out = E(ok ? RefreshError::reused : RefreshError::storage);
      return ok;
    }
    if (now >= t.expires_at) {
      out = E(RefreshError::expired);
      return false;
    }
    RefreshToken n = next;
    n.family_id = t.family_id;
    n.client_id = t.client_id;
    n.subject = t.subject;
    n.resource = t.resource;
    n.scope = t.scope;
    IssuedToken a = access;
    a.family_id = t.family_id;
    bool marked;
    {
      auto u = db.prepare("UPDATE refresh_tokens SET used=1 WHERE token_hash=?");
      u.bind(1, token_hash);
      marked = u.step() == SQLITE_DONE;
    }
    if (!marked || !insert_refresh(db, n) || !insert_issued(db, a) || !extend_family(db, t.family_id, n.expires_at)) {
      out = E(RefreshError::storage);
      return false;
    }
    out = std::move(t);
    return true;
  }

  [[nodiscard]] static bool insert_family(Connection& db, std::string_view id, Seconds exp) {
    auto s = db.prepare("INSERT INTO families (family_id, expires_at) VALUES (?,?)");
    s.bind(1, id).bind(2, exp);
    return s.step() == SQLITE_DONE;
  }
  [[nodiscard]] static bool extend_family(Connection& db, std::string_view id, Seconds exp) {
    auto s = db.prepare("UPDATE families SET expires_at=MAX(expires_at, ?) WHERE family_id=?");
    s.bind(1, exp).bind(2, id);
    return s.step() == SQLITE_DONE;
  }
  [[nodiscard]] static bool insert_refresh(Connection& db, const RefreshToken& r) {
    auto s = db.prepare(
        "INSERT INTO refresh_tokens (token_hash, family_id, client_id, subject, resource, scope, expires_at) "
        "VALUES (?,?,?,?,?,?,?)");
    s.bind(1, r.token_hash).bind(2, r.family_id).bind(3, r.client_id).bind(4, r.subject).bind(5, r.resource);
    s.bind(6, r.scope).bind(7, r.expires_at);
    return s.step() == SQLITE_DONE;
  }
  [[nodiscard]] static bool insert_issued(Connection& db, const IssuedToken& t) {
    auto s = db.prepare("INSERT OR REPLACE INTO issued_tokens VALUES (?,?,?)");
    s.bind(1, t.jti).bind(2, t.family_id).bind(3, t.expires_at);
    return s.step() == SQLITE_DONE;
  }
  [[nodiscard]] static bool revoke_family_locked(Connection& db, std::string_view family_id, Seconds now) {
    {
      auto f = db.prepare("UPDATE families SET revoked=1 WHERE family_id=?");
      f.bind(1, family_id);
      if (f.step() != SQLITE_DONE) return false;
    }
    auto r = db.prepare(
        "INSERT OR IGNORE INTO revoked SELECT jti, expires_at FROM issued_tokens WHERE family_id=? AND expires_at>?");
    r.bind(1, family_id).bind(2, now);
    return r.step() == SQLITE_DONE;
  }

  std::string path_;
  std::unique_ptr<Connection> w_;  // used only on the group commit's writer thread
  SqliteTransactor tx_;
  GroupCommit group_;
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> readers_;
};

}  // namespace

[[nodiscard]] Result<std::unique_ptr<Store>> open_store(std::string_view uri) {
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
  auto writer = Connection::open(path);
  if (!writer) return unexpected<Error>(writer.error());
  auto store = std::make_unique<SqliteStore>(path, std::move(*writer));
  if (auto r = store->init(); !r) return fail(r.error().message);
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace mcpgate::authserver
