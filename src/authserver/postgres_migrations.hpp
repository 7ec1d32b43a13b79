#pragma once
// The PostgreSQL schema of the authorization server, as numbered migrations recorded in
// schema_migrations. Applied at start-up in one transaction under an advisory lock, so that N
// replicas starting at once migrate once: the first takes the lock and migrates, the others wait
// for it, then find every version applied and change nothing.
#include <cstdint>

#include "authserver/postgres_connection.hpp"
#include "core/result.hpp"

namespace mcpgate::authserver {

struct PgMigration {
  std::int64_t version;
  const char* description;
  const char* sql;  // one or more statements, fixed text (no parameters)
};

// The highest version this build knows.
std::int64_t pg_schema_version();

// Brings the database to pg_schema_version(). Fails (changing nothing) when the database was
// migrated by a newer mcpgate to a version this build does not know.
Result<void> pg_migrate(PgConnection& c);

}  // namespace mcpgate::authserver
