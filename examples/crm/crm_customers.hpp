#pragma once
// The CRM API's customers, in one SQLite file (the authorization server's SQLite wrapper). Used
// by one thread at a time: the API serves on one thread.
#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>

#include "authserver/sqlite_connection.hpp"
#include "core/result.hpp"

namespace crm {

class CustomerStore {
 public:
  // Creates the file (mode 0600) and the table, and the three example customers when it is new.
  static mcpgate::Result<std::unique_ptr<CustomerStore>> open(const std::string& path);

  // nullopt: no such customer. An error: the storage failed.
  mcpgate::Result<std::optional<boost::json::object>> get(const std::string& id);
  // Customers whose name or email contains `query` (all when empty), by id.
  mcpgate::Result<boost::json::array> search(const std::string& query);
  // Sets the given fields (name, email, tier, notes; checked by the caller). False: no such customer.
  mcpgate::Result<bool> update(const std::string& id, const boost::json::object& fields);
  mcpgate::Result<bool> remove(const std::string& id);

 private:
  explicit CustomerStore(std::unique_ptr<mcpgate::authserver::Connection> c) : db_(std::move(c)) {}
  std::unique_ptr<mcpgate::authserver::Connection> db_;
};

// The fields a client may change.
inline constexpr const char* kCustomerFields[] = {"name", "email", "tier", "notes"};

}  // namespace crm
