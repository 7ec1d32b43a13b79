#pragma once
// Opens the store a `storage:` URI names: "sqlite:PATH" (one process) or "postgres://…" /
// "postgresql://…" (several replicas on one database; `pg` sets its pool and timeouts).
#include <memory>
#include <string_view>

#include "authserver/postgres_pool.hpp"
#include "authserver/store.hpp"

namespace mcpgate::authserver {

Result<std::unique_ptr<Store>> open_store_at(std::string_view uri, PgPoolOptions pg = {});

}  // namespace mcpgate::authserver
