#pragma once
// Where crm_server's tools read and change customers: its own memory (the stand-alone example),
// or the CRM API (crm_server --api URL), called with the token the gateway obtained for it.
#include <boost/json.hpp>
#include <optional>
#include <string>

#include "core/result.hpp"

namespace crm {

class CustomerSource {
 public:
  virtual ~CustomerSource() = default;
  // nullopt: no such customer. An error: the message a tool result shows.
  virtual mcpgate::Result<std::optional<boost::json::object>> get(const std::string& id) = 0;
  virtual mcpgate::Result<boost::json::array> search(const std::string& query) = 0;
  // Sets the string fields among name, email, tier and notes. False: no such customer.
  virtual mcpgate::Result<bool> update(const std::string& id, const boost::json::object& fields) = 0;
  virtual mcpgate::Result<bool> remove(const std::string& id) = 0;
};

}  // namespace crm
