// The Store on PostgreSQL. Every method is one transaction on a pooled connection; when it
// returns success, PostgreSQL has committed it (synchronous_commit is the server's to set).
//
// Race-freedom across replicas comes from row locks, not from one writer: redeeming a code reads
// it with SELECT … FOR UPDATE, so two replicas presenting the same code at once are serialized on
// that row, and the second finds it redeemed (PostgreSQL re-reads a locked row once its holder
// commits). Rotating a refresh token locks the token's row, then its family's row; revoking a
// family locks the family row first, so a rotation and a revocation of the same family cannot
// interleave (no access token is issued into a family after its tokens were copied to revoked).
#include "authserver/postgres_store.hpp"

#include <boost/json.hpp>

#include "authserver/postgres_migrations.hpp"
#include "authserver/store_columns.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;

bool is_postgres_uri(std::string_view uri) {
  return uri.starts_with("postgres://") || uri.starts_with("postgresql://");
}

namespace {

using Tx = PgConnection;
#define PG_TRY(expr)                                                 \
  do {                                                               \
    if (auto r_ = (expr); !r_) return unexpected<Error>(r_.error()); \
  } while (0)

constexpr const char* kUserCols = "SELECT username, password_hash, created_at, scope FROM users";
constexpr const char* kClientCols =
    "SELECT client_id, kind, client_name, redirect_uris, grant_types, auth_method, secret_hash, jwks, scope, "
    "application_type, created_at FROM clients";

UserRecord user_from(const PgResult& r, int i) {
  return UserRecord{r.text(i, 0), r.text(i, 1), r.integer(i, 2), r.text(i, 3)};
}
ClientRecord client_from(const PgResult& r, int i) {
  ClientRecord c;
  c.client_id = r.text(i, 0);
  c.kind = kind_from(r.text(i, 1));
  c.client_name = r.text(i, 2);
  c.redirect_uris = from_json_array(r.text(i, 3));
  c.grant_types = from_json_array(r.text(i, 4));
  c.token_endpoint_auth_method = r.text(i, 5);
  c.secret_hash = r.text(i, 6);
  c.jwks = r.text(i, 7);
  c.scope = r.text(i, 8);
  c.application_type = r.text(i, 9);
  c.created_at = r.integer(i, 10);
  return c;
}

Result<void> insert_family(Tx& c, std::string_view id, Seconds exp) {
  PG_TRY(c.run("insert family", "INSERT INTO families (family_id, expires_at) VALUES ($1, $2::bigint)", {id, exp}));
  return {};
}
Result<void> insert_refresh(Tx& c, const RefreshToken& r) {
  PG_TRY(c.run("insert refresh token",
               "INSERT INTO refresh_tokens (token_hash, family_id, client_id, subject, resource, scope, expires_at) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7::bigint)",
               {r.token_hash, r.family_id, r.client_id, r.subject, r.resource, r.scope, r.expires_at}));
  return {};
}
Result<void> insert_issued(Tx& c, const IssuedToken& t) {
  PG_TRY(c.run("record token",
               "INSERT INTO issued_tokens (jti, family_id, expires_at) VALUES ($1, $2, $3::bigint) "
               "ON CONFLICT (jti) DO UPDATE SET family_id = EXCLUDED.family_id, expires_at = EXCLUDED.expires_at",
               {t.jti, t.family_id, t.expires_at}));
  return {};
}
Result<void> revoke_family_in(Tx& c, std::string_view family_id, Seconds now) {
  // The family row first: it is the lock a concurrent rotation of the same family takes.
  PG_TRY(c.run("revoke family", "UPDATE families SET revoked = true WHERE family_id = $1", {family_id}));
  PG_TRY(c.run("revoke family tokens",
               "INSERT INTO revoked (jti, expires_at) SELECT jti, expires_at FROM issued_tokens "
               "WHERE family_id = $1 AND expires_at > $2::bigint ON CONFLICT (jti) DO NOTHING",
               {family_id, now}));
  return {};
}

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(PgPoolOptions o) : pool_(std::move(o)) {}

  Result<void> init() {
    auto c = lease_checked();
    if (!c) return unexpected<Error>(c.error());
    return pg_migrate(**c);
  }

  Result<void> put_user(const UserRecord& u) override {
    return transact([&](Tx& c) -> Result<void> {
      PG_TRY(c.run("put_user",
                   "INSERT INTO users (username, password_hash, created_at, scope) VALUES ($1, $2, $3::bigint, $4) "
                   "ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash, "
                   "created_at = EXCLUDED.created_at, scope = EXCLUDED.scope",
                   {u.username, u.password_hash, u.created_at, u.scope}));
      return {};
    });
  }
  Result<std::optional<UserRecord>> get_user(std::string_view name) override {
    return read([&](Tx& c) -> Result<std::optional<UserRecord>> {
      auto r = c.run("get_user", (std::string(kUserCols) + " WHERE username = $1").c_str(), {name});
      if (!r) return unexpected<Error>(r.error());
      if (r->rows() == 0) return std::optional<UserRecord>();
      return std::optional<UserRecord>(user_from(*r, 0));
    });
  }
  Result<std::vector<UserRecord>> list_users() override {
    return read([&](Tx& c) -> Result<std::vector<UserRecord>> {
      auto r = c.run("list_users", (std::string(kUserCols) + " ORDER BY username").c_str());
      if (!r) return unexpected<Error>(r.error());
      std::vector<UserRecord> out;
      for (int i = 0; i < r->rows(); ++i) out.push_back(user_from(*r, i));
      return out;
    });
  }
  Result<bool> remove_user(std::string_view name) override {
    bool removed = false;
    auto t = transact([&](Tx& c) -> Result<void> {
      auto r = c.run("remove_user", "DELETE FROM users WHERE username = $1", {name});
      if (!r) return unexpected<Error>(r.error());
      removed = r->affected() > 0;
      PG_TRY(c.run("remove_user consents", "DELETE FROM consents WHERE username = $1", {name}));
      PG_TRY(c.run("remove_user provider token", "DELETE FROM provider_tokens WHERE subject = $1", {name}));
      return {};
    });
    if (!t) return unexpected<Error>(t.error());
    return removed;
  }

  Result<void> put_provider_token(const ProviderToken& t) override {
    return transact([&](Tx& c) -> Result<void> {
      PG_TRY(c.run("put_provider_token",
                   "INSERT INTO provider_tokens (subject, sealed, checked_at) VALUES ($1, $2, $3::bigint) "
                   "ON CONFLICT (subject) DO UPDATE SET sealed = EXCLUDED.sealed, checked_at = EXCLUDED.checked_at",
                   {t.subject, t.sealed, t.checked_at}));
      return {};
    });
  }
  Result<std::optional<ProviderToken>> get_provider_token(std::string_view subject) override {
    return read([&](Tx& c) -> Result<std::optional<ProviderToken>> {
      auto r = c.run("get_provider_token", "SELECT subject, sealed, checked_at FROM provider_tokens WHERE subject = $1",
                     {subject});
      if (!r) return unexpected<Error>(r.error());
      if (r->rows() == 0) return std::optional<ProviderToken>();
      return std::optional<ProviderToken>(ProviderToken{r->text(0, 0), r->text(0, 1), r->integer(0, 2)});
    });
  }

  Result<void> put_client(const ClientRecord& cl) override {
    return transact([&](Tx& c) -> Result<void> {
      PG_TRY(
          c.run("put_client",
                "INSERT INTO clients (client_id, kind, client_name, redirect_uris, grant_types, auth_method, "
                "secret_hash, jwks, scope, application_type, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::bigint) ON CONFLICT (client_id) DO UPDATE SET "
                "kind = EXCLUDED.kind, client_name = EXCLUDED.client_name, redirect_uris = EXCLUDED.redirect_uris, "
                "grant_types = EXCLUDED.grant_types, auth_method = EXCLUDED.auth_method, "
                "secret_hash = EXCLUDED.secret_hash, jwks = EXCLUDED.jwks, scope = EXCLUDED.scope, "
                "application_type = EXCLUDED.application_type, created_at = EXCLUDED.created_at",
                {cl.client_id, kind_name(cl.kind), cl.client_name, to_json_array(cl.redirect_uris),
                 to_json_array(cl.grant_types), cl.token_endpoint_auth_method, cl.secret_hash, cl.jwks, cl.scope,
                 cl.application_type, cl.created_at}));
      return {};
    });
  }
  Result<std::optional<ClientRecord>> get_client(std::string_view id) override {
    return read([&](Tx& c) -> Result<std::optional<ClientRecord>> {
      auto r = c.run("get_client", (std::string(kClientCols) + " WHERE client_id = $1").c_str(), {id});
      if (!r) return unexpected<Error>(r.error());
      if (r->rows() == 0) return std::optional<ClientRecord>();
      return std::optional<ClientRecord>(client_from(*r, 0));
    });
  }
  Result<std::vector<ClientRecord>> list_clients() override {
    return read([&](Tx& c) -> Result<std::vector<ClientRecord>> {
      auto r = c.run("list_clients", (std::string(kClientCols) + " ORDER BY client_id").c_str());
      if (!r) return unexpected<Error>(r.error());
      std::vector<ClientRecord> out;
      for (int i = 0; i < r->rows(); ++i) out.push_back(client_from(*r, i));
      return out;
    });
  }
  Result<bool> remove_client(std::string_view id) override {
    bool removed = false;
    auto t = transact([&](Tx& c) -> Result<void> {
      auto r = c.run("remove_client", "DELETE FROM clients WHERE client_id = $1", {id});
      if (!r) return unexpected<Error>(r.error());
      removed = r->affected() > 0;
      return {};
    });
    if (!t) return unexpected<Error>(t.error());
    return removed;
  }

  Result<void> put_consent(std::string_view user, std::string_view client, std::string_view resource,
                           std::string_view scope, Seconds now) override {
    return transact([&](Tx& c) -> Result<void> {
      PG_TRY(c.run("put_consent",
                   "INSERT INTO consents (username, client_id, resource, scope, created_at) "
                   "VALUES ($1, $2, $3, $4, $5::bigint) ON CONFLICT (username, client_id, resource, scope) "
                   "DO UPDATE SET created_at = EXCLUDED.created_at",
                   {user, client, resource, scope, now}));
      return {};
    });
  }
  Result<bool> has_consent(std::string_view user, std::string_view client, std::string_view resource,
                           std::string_view scope) override {
    return read([&](Tx& c) -> Result<bool> {
      auto r = c.run("has_consent",
                     "SELECT 1 FROM consents WHERE username = $1 AND client_id = $2 AND resource = $3 AND scope = $4",
                     {user, client, resource, scope});
      if (!r) return unexpected<Error>(r.error());
      return r->rows() > 0;
    });
  }

  Result<void> put_code(const AuthorizationCode& code) override {
    return transact([&](Tx& c) -> Result<void> {
      PG_TRY(c.run("put_code",
                   "INSERT INTO codes (code_hash, client_id, redirect_uri, code_challenge, resource, scope, subject, "
                   "auth_time, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::bigint, $9::bigint)",
                   {code.code_hash, code.client_id, code.redirect_uri, code.code_challenge, code.resource, code.scope,
                    code.subject, code.auth_time, code.expires_at}));
      return {};
    });
  }

  expected<AuthorizationCode, RedeemError> redeem_code(std::string_view code_hash, Seconds now,
                                                       const std::function<bool(const AuthorizationCode&)>& check,
                                                       const std::string& family_id,
                                                       const std::optional<RefreshToken>& refresh,
                                                       const IssuedToken& access) override;
  expected<RefreshToken, RefreshError> rotate_refresh(std::string_view token_hash, std::string_view client_id,
                                                      Seconds now, const RefreshToken& next,
                                                      const IssuedToken& access) override;

  Result<std::optional<RefreshToken>> get_refresh(std::string_view token_hash, Seconds now) override {
    return read([&](Tx& c) -> Result<std::optional<RefreshToken>> {
      auto r = c.run("get_refresh",
                     "SELECT r.family_id, r.client_id, r.subject, r.resource, r.scope, r.expires_at "
                     "FROM refresh_tokens r JOIN families f ON f.family_id = r.family_id "
                     "WHERE r.token_hash = $1 AND NOT r.used AND NOT f.revoked AND r.expires_at > $2::bigint",
                     {token_hash, now});
      if (!r) return unexpected<Error>(r.error());
      if (r->rows() == 0) return std::optional<RefreshToken>();
      return std::optional<RefreshToken>(RefreshToken{std::string(token_hash), r->text(0, 0), r->text(0, 1),
                                                      r->text(0, 2), r->text(0, 3), r->text(0, 4), r->integer(0, 5)});
    });
  }
  Result<void> revoke_user_grants(std::string_view subject, Seconds now) override {
    return transact([&](Tx& c) -> Result<void> {
      constexpr const char* kFamilies =
          "(SELECT family_id FROM refresh_tokens WHERE subject = $1 UNION "
          "SELECT family_id FROM codes WHERE subject = $1 AND family_id IS NOT NULL)";
      PG_TRY(c.run("revoke user families",
                   (std::string("UPDATE families SET revoked = true WHERE family_id IN ") + kFamilies).c_str(),
                   {subject}));
      PG_TRY(c.run("revoke user tokens",
                   (std::string("INSERT INTO revoked (jti, expires_at) SELECT jti, expires_at FROM issued_tokens "
                                "WHERE expires_at > $2::bigint AND family_id IN ") +
                    kFamilies + " ON CONFLICT (jti) DO NOTHING")
                       .c_str(),
                   {subject, now}));
      return {};
    });
  }
  Result<void> revoke_family(std::string_view family_id, Seconds now) override {
    return transact([&](Tx& c) { return revoke_family_in(c, family_id, now); });
  }

  Result<void> record_token(const IssuedToken& t) override {
    return transact([&](Tx& c) { return insert_issued(c, t); });
  }
  Result<void> revoke_jti(std::string_view jti, Seconds exp) override {
    return transact([&](Tx& c) -> Result<void> {
      PG_TRY(c.run("revoke_jti",
                   "INSERT INTO revoked (jti, expires_at) VALUES ($1, $2::bigint) ON CONFLICT (jti) DO NOTHING",
                   {jti, exp}));
      return {};
    });
  }
  Result<std::vector<std::string>> revoked_jtis(Seconds now) override {
    return read([&](Tx& c) -> Result<std::vector<std::string>> {
      auto r = c.run("revoked_jtis", "SELECT jti FROM revoked WHERE expires_at > $1::bigint", {now});
      if (!r) return unexpected<Error>(r.error());
      std::vector<std::string> out;
      for (int i = 0; i < r->rows(); ++i) out.push_back(r->text(i, 0));
      return out;
    });
  }

  Result<std::vector<KeyRecord>> list_keys() override {
    return read([&](Tx& c) -> Result<std::vector<KeyRecord>> {
      auto r = c.run("list_keys",
                     "SELECT kid, alg, private_pem, state, created_at, retired_at FROM keys ORDER BY created_at, kid");
      if (!r) return unexpected<Error>(r.error());
      std::vector<KeyRecord> out;
      for (int i = 0; i < r->rows(); ++i)
        out.push_back(KeyRecord{r->text(i, 0), r->text(i, 1), r->text(i, 2), state_from(r->text(i, 3)),
                                r->integer(i, 4), r->integer(i, 5)});
      return out;
    });
  }
  Result<bool> replace_keys(const std::vector<KeyRecord>& keys, std::int64_t expected_generation) override {
    bool replaced = false;
    auto done = transact([&](Tx& c) -> Result<void> {
      // The generation row is the lock: two replicas replacing the key set at once take turns,
      // and the second sees the first's generation and changes nothing.
      auto gen = c.run("replace_keys", "SELECT value FROM meta WHERE key = 'key_generation' FOR UPDATE");
      if (!gen) return unexpected<Error>(gen.error());
      if (gen->rows() != 1) return fail("storage: postgres: key_generation: missing");
      if (gen->integer(0, 0) != expected_generation) return {};
      PG_TRY(c.run("replace_keys", "DELETE FROM keys"));
      for (auto& k : keys)
        PG_TRY(c.run("replace_keys",
                     "INSERT INTO keys (kid, alg, private_pem, state, created_at, retired_at) "
                     "VALUES ($1, $2, $3, $4, $5::bigint, $6::bigint)",
                     {k.kid, k.alg, k.private_pem, state_name(k.state), k.created_at, k.retired_at}));
      PG_TRY(c.run("replace_keys", "UPDATE meta SET value = value + 1 WHERE key = 'key_generation'"));
      replaced = true;
      return {};
    });
    if (!done) return unexpected<Error>(done.error());
    return replaced;
  }
  Result<std::int64_t> key_generation() override {
    return read([&](Tx& c) -> Result<std::int64_t> {
      auto r = c.run("key_generation", "SELECT value FROM meta WHERE key = 'key_generation'");
      if (!r) return unexpected<Error>(r.error());
      if (r->rows() != 1) return fail("storage: postgres: key_generation: missing");
      return r->integer(0, 0);
    });
  }

  Result<void> purge(Seconds now) override {
    return transact([&](Tx& c) -> Result<void> {
      // Redeemed codes are kept until they expire so that a replay is still recognized as one.
      for (auto sql : {"DELETE FROM codes WHERE expires_at <= $1::bigint",
                       "DELETE FROM refresh_tokens WHERE expires_at <= $1::bigint",
                       "DELETE FROM families WHERE expires_at <= $1::bigint",
                       "DELETE FROM issued_tokens WHERE expires_at <= $1::bigint",
                       "DELETE FROM revoked WHERE expires_at <= $1::bigint"})
        PG_TRY(c.run("purge", sql, {now}));
      return {};
    });
  }

 private:
  // A leased connection; one found broken (a restarted server closes idle connections) is
  // replaced once before giving up.
  Result<PgPool::Lease> lease_checked() {
    auto l = pool_.lease();
    if (!l) return l;
    if ((*l)->broken())
      if (auto r = l->reconnect(); !r) return unexpected<Error>(r.error());
    return l;
  }

  // Runs fn in a transaction: COMMIT when it succeeds, ROLLBACK when it fails. A connection that
  // turns out dead at BEGIN (nothing was sent yet) is replaced and the BEGIN tried once more.
  template <class F>
  Result<void> transact(F fn) {
    auto l = lease_checked();
    if (!l) return unexpected<Error>(l.error());
    auto& c = **l;
    if (!c.exec("BEGIN").ok()) {
      if (!c.broken()) return fail(c.error("begin"));
      PG_TRY(l->reconnect());
      PG_TRY((*l)->run("begin", "BEGIN"));
    }
    auto& tx = **l;
    if (auto r = fn(tx); !r) {
      tx.exec("ROLLBACK");
      return r;
    }
    // A COMMIT that fails (or whose answer is lost) is reported as a failure: the caller answers
    // an error, never a success that may not be durable.
    PG_TRY(tx.run("commit", "COMMIT"));
    return {};
  }

  // A read in autocommit; retried once on a fresh connection when the leased one was dead.
  template <class F>
  auto read(F fn) -> decltype(fn(std::declval<Tx&>())) {
    auto l = lease_checked();
    if (!l) return unexpected<Error>(l.error());
    auto r = fn(**l);
    if (!r && (*l)->broken()) {
      PG_TRY(l->reconnect());
      r = fn(**l);
    }
    return r;
  }

  PgPool pool_;
};

expected<AuthorizationCode, RedeemError> PostgresStore::redeem_code(
    std::string_view code_hash, Seconds now, const std::function<bool(const AuthorizationCode&)>& check,
    const std::string& family_id, const std::optional<RefreshToken>& refresh, const IssuedToken& access) {
  using E = unexpected<RedeemError>;
  expected<AuthorizationCode, RedeemError> out = E(RedeemError::storage);
  auto t = transact([&](Tx& db) -> Result<void> {
    // FOR UPDATE: a second redemption of the same code (here or at another replica) waits for
    // this transaction, then reads the row as it left it: redeemed.
    auto s = db.run("redeem_code",
                    "SELECT client_id, redirect_uri, code_challenge, resource, scope, subject, auth_time, expires_at, "
                    "redeemed, COALESCE(family_id, '') FROM codes WHERE code_hash = $1 FOR UPDATE",
                    {code_hash});
    if (!s) return unexpected<Error>(s.error());
    if (s->rows() == 0) {
      out = E(RedeemError::not_found);
      return {};
    }
    AuthorizationCode c{std::string(code_hash), s->text(0, 0), s->text(0, 1),    s->text(0, 2),   s->text(0, 3),
                        s->text(0, 4),          s->text(0, 5), s->integer(0, 6), s->integer(0, 7)};
    bool redeemed = s->text(0, 8) == "t";
    std::string old_family = s->text(0, 9);
    if (redeemed) {
      // A code presented twice was stolen or replayed: revoke what the first use produced
      // (RFC 6749 §4.1.2, OAuth 2.1 §4.1.3).
      if (!old_family.empty()) PG_TRY(revoke_family_in(db, old_family, now));
      out = E(RedeemError::already_redeemed);
      return {};
    }
    bool expired = now >= c.expires_at;
    bool matches = !expired && check(c);
    // Burn the code whatever happens next: a code that failed PKCE or client binding once was
    // in the wrong hands, and must not be retried.
    PG_TRY(db.run("redeem_code", "UPDATE codes SET redeemed = true, family_id = $1 WHERE code_hash = $2",
                  {matches ? PgParam(family_id) : PgParam(std::nullopt), code_hash}));
    if (!matches) {
      out = E(expired ? RedeemError::expired : RedeemError::mismatch);
      return {};
    }
    auto rows = grant_rows(c, family_id, refresh, access);
    PG_TRY(insert_family(db, family_id, refresh ? refresh->expires_at : access.expires_at));
    if (rows.refresh) PG_TRY(insert_refresh(db, *rows.refresh));
    PG_TRY(insert_issued(db, rows.access));
    out = std::move(c);
    return {};
  });
  if (!t) return E(RedeemError::storage);  // rolled back, or not known to be committed
  return out;
}

expected<RefreshToken, RefreshError> PostgresStore::rotate_refresh(std::string_view token_hash,
                                                                   std::string_view client_id, Seconds now,
                                                                   const RefreshToken& next,
                                                                   const IssuedToken& access) {
  using E = unexpected<RefreshError>;
  expected<RefreshToken, RefreshError> out = E(RefreshError::storage);
  auto tr = transact([&](Tx& db) -> Result<void> {
    // The token's row lock serializes every presentation of this token across replicas: exactly
    // one finds it unused; the others find it used (reuse) after that one commits.
    auto s = db.run("rotate_refresh",
                    "SELECT family_id, client_id, subject, resource, scope, expires_at, used FROM refresh_tokens "
                    "WHERE token_hash = $1 FOR UPDATE",
                    {token_hash});
    if (!s) return unexpected<Error>(s.error());
    if (s->rows() == 0) {
      out = E(RefreshError::not_found);
      return {};
    }
    RefreshToken t{std::string(token_hash), s->text(0, 0), s->text(0, 1),   s->text(0, 2),
                   s->text(0, 3),           s->text(0, 4), s->integer(0, 5)};
    bool used = s->text(0, 6) == "t";
    auto f = db.run("rotate_refresh", "SELECT revoked FROM families WHERE family_id = $1 FOR UPDATE", {t.family_id});
    if (!f) return unexpected<Error>(f.error());
    bool revoked = f->rows() == 0 || f->text(0, 0) == "t";
    if (t.client_id != client_id) {
      out = E(RefreshError::wrong_client);
      return {};
    }
    if (revoked) {
      out = E(RefreshError::revoked);
      return {};
    }
    if (used) {
      // Refresh token reuse: one of the two holders is an attacker, and we cannot tell which, so
      // the whole family dies (RFC 9700 §4.14.2, OAuth 2.1 §4.3.1).
      PG_TRY(revoke_family_in(db, t.family_id, now));
      out = E(RefreshError::reused);
      return {};
    }
    if (now >= t.expires_at) {
      out = E(RefreshError::expired);
      return {};
    }
    RefreshToken n = next;
    n.family_id = t.family_id;
    n.client_id = t.client_id;
    n.subject = t.subject;
    n.resource = t.resource;
    n.scope = t.scope;
    IssuedToken a = access;
    a.family_id = t.family_id;
    PG_TRY(db.run("rotate_refresh", "UPDATE refresh_tokens SET used = true WHERE token_hash = $1", {token_hash}));
    PG_TRY(insert_refresh(db, n));
    PG_TRY(insert_issued(db, a));
    PG_TRY(db.run("rotate_refresh",
                  "UPDATE families SET expires_at = GREATEST(expires_at, $1::bigint) WHERE family_id = $2",
                  {n.expires_at, t.family_id}));
    out = std::move(t);
    return {};
  });
  if (!tr) return E(RefreshError::storage);
  return out;
}

#undef PG_TRY

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(PgPoolOptions options) {
  if (options.size == 0) options.size = 1;
  auto store = std::make_unique<PostgresStore>(std::move(options));
  if (auto r = store->init(); !r) return fail(r.error().message);
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace mcpgate::authserver
