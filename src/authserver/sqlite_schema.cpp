#include "authserver/sqlite_schema.hpp"

namespace mcpgate::authserver {
namespace {

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

// Each step brings a store of the version before it to its own version, in order, inside the
// transaction that creates the schema: a store written by an older mcpgate opens and is upgraded
// in place; one written by a newer mcpgate is left alone.
struct Migration {
  std::int64_t version;
  const char* sql;
};
constexpr Migration kMigrations[] = {
    // 2: per-user allowed scopes (empty: any scope the resource supports).
    {2, "ALTER TABLE users ADD COLUMN scope TEXT NOT NULL DEFAULT ''"},
    // 3: the upstream provider's refresh token per federated user, sealed.
    {3,
     "CREATE TABLE IF NOT EXISTS provider_tokens (subject TEXT PRIMARY KEY, sealed TEXT NOT NULL, "
     "checked_at INTEGER NOT NULL)"},
};

[[nodiscard]] bool migrate(Connection& c) {
  std::int64_t version = 0;
  {
    auto s = c.prepare("SELECT value FROM meta WHERE key='schema_version'");
    if (s.step() != SQLITE_ROW) return false;
    version = s.integer(0);
  }
  for (auto& m : kMigrations) {
    if (m.version <= version) continue;
    if (!c.exec_script(m.sql)) return false;
    auto s = c.prepare("UPDATE meta SET value=? WHERE key='schema_version'");
    s.bind(1, m.version);
    if (s.step() != SQLITE_DONE) return false;
  }
  return true;
}

}  // namespace

std::string_view create_schema(Connection& c) {
  if (!c.exec_script(kSchema)) return "schema";
  if (!migrate(c)) return "schema migration";
  return {};
}

}  // namespace mcpgate::authserver
