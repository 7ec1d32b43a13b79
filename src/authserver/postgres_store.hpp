#pragma once
// The Store on PostgreSQL, for several mcpgate replicas that behave as one authorization server:
// every replica sees the same users, clients, codes, refresh token families, consents, signing
// keys and revocations.
#include <memory>
#include <string_view>

#include "authserver/postgres_pool.hpp"
#include "authserver/store.hpp"

namespace mcpgate::authserver {

// "postgres://…" or "postgresql://…" (libpq's URL form).
bool is_postgres_uri(std::string_view uri);

// Connects, applies the schema migrations (once across replicas), and returns the store.
Result<std::unique_ptr<Store>> open_postgres_store(PgPoolOptions options);

}  // namespace mcpgate::authserver
