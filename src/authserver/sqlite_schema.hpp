#pragma once
// The SQLite store's schema: the tables, and the migrations that bring a store written by an
// older mcpgate to the current version.
#include <string_view>

#include "authserver/sqlite_connection.hpp"

namespace mcpgate::authserver {

// Creates the tables that do not exist yet and applies the migrations the store lacks, on `c`
// inside the caller's transaction. Empty when done, else what failed ("schema", "schema
// migration") for Connection::error().
[[nodiscard]] std::string_view create_schema(Connection& c);

}  // namespace mcpgate::authserver
