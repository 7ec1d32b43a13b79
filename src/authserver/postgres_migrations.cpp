#include "authserver/postgres_migrations.hpp"

#include <iterator>
#include <string>

namespace mcpgate::authserver {
namespace {

// Append only: a released migration is never edited, a change is a new version.
constexpr PgMigration kMigrations[] = {
    {1, "authorization server state", R"SQL(
CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO meta VALUES ('key_generation', 0);
CREATE TABLE users (
  username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL,
  scope TEXT NOT NULL DEFAULT '');
CREATE TABLE clients (
  client_id TEXT PRIMARY KEY, kind TEXT NOT NULL, client_name TEXT NOT NULL, redirect_uris TEXT NOT NULL,
  grant_types TEXT NOT NULL, auth_method TEXT NOT NULL, secret_hash TEXT NOT NULL, jwks TEXT NOT NULL,
  scope TEXT NOT NULL, application_type TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE consents (
  username TEXT NOT NULL, client_id TEXT NOT NULL, resource TEXT NOT NULL, scope TEXT NOT NULL,
  created_at BIGINT NOT NULL, PRIMARY KEY (username, client_id, resource, scope));
CREATE TABLE codes (
  code_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL, code_challenge TEXT NOT NULL,
  resource TEXT NOT NULL, scope TEXT NOT NULL, subject TEXT NOT NULL, auth_time BIGINT NOT NULL,
  expires_at BIGINT NOT NULL, redeemed BOOLEAN NOT NULL DEFAULT false, family_id TEXT);
CREATE TABLE families (
  family_id TEXT PRIMARY KEY, revoked BOOLEAN NOT NULL DEFAULT false, expires_at BIGINT NOT NULL);
CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY, family_id TEXT NOT NULL, client_id TEXT NOT NULL, subject TEXT NOT NULL,
  resource TEXT NOT NULL, scope TEXT NOT NULL, expires_at BIGINT NOT NULL, used BOOLEAN NOT NULL DEFAULT false);
CREATE INDEX refresh_family ON refresh_tokens(family_id);
CREATE TABLE issued_tokens (jti TEXT PRIMARY KEY, family_id TEXT NOT NULL, expires_at BIGINT NOT NULL);
CREATE INDEX issued_family ON issued_tokens(family_id);
CREATE TABLE revoked (jti TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
CREATE TABLE keys (
  kid TEXT PRIMARY KEY, alg TEXT NOT NULL, private_pem TEXT NOT NULL, state TEXT NOT NULL,
  created_at BIGINT NOT NULL, retired_at BIGINT NOT NULL);
)SQL"},
    {2, "provider refresh tokens", R"SQL(
CREATE TABLE provider_tokens (subject TEXT PRIMARY KEY, sealed TEXT NOT NULL, checked_at BIGINT NOT NULL);
)SQL"},
};

// Any fixed number, the same in every mcpgate: the replicas' migrations exclude each other on it.
constexpr const char* kMigrationLock = "7315470254306141233";

}  // namespace

std::int64_t pg_schema_version() {
  return std::prev(std::end(kMigrations))->version;
}

Result<void> pg_migrate(PgConnection& c) {
  auto in_tx = [&]() -> Result<void> {
    if (auto r = c.run("migration lock", "SELECT pg_advisory_xact_lock($1::bigint)", {kMigrationLock}); !r)
      return unexpected<Error>(r.error());
    if (auto r = c.run("schema_migrations",
                       "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                       "description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
        !r)
      return unexpected<Error>(r.error());
    auto cur = c.run("schema version", "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!cur) return unexpected<Error>(cur.error());
    std::int64_t version = cur->integer(0, 0);
    if (version > pg_schema_version())
      return fail("storage: postgres: the database has schema version " + std::to_string(version) +
                  ", newer than this mcpgate knows (" + std::to_string(pg_schema_version()) + ")");
    for (auto& m : kMigrations) {
      if (m.version <= version) continue;
      // Fixed text of our own with several statements: the simple query protocol (PQexec)
      // is the one that runs them; nothing in it comes from outside.
      if (auto r = c.run_script(m.description, m.sql); !r) return unexpected<Error>(r.error());
      if (auto r = c.run("schema_migrations", "INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
                         {m.version, m.description});
          !r)
        return unexpected<Error>(r.error());
    }
    return {};
  };
  if (auto r = c.run("begin", "BEGIN"); !r) return unexpected<Error>(r.error());
  auto r = in_tx();
  if (!r) {
    c.exec("ROLLBACK");
    return r;
  }
  if (auto cm = c.run("commit", "COMMIT"); !cm) return fail(cm.error().message);
  return {};
}

}  // namespace mcpgate::authserver
