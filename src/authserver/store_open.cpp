#include "authserver/store_open.hpp"

#include "authserver/postgres_store.hpp"

namespace mcpgate::authserver {

Result<std::unique_ptr<Store>> open_store_at(std::string_view uri, PgPoolOptions pg) {
  if (!is_postgres_uri(uri)) return open_store(uri);
  pg.connect.conninfo = std::string(uri);
  return open_postgres_store(std::move(pg));
}

}  // namespace mcpgate::authserver
