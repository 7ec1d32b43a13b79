#pragma once
// The CRM API's requests: authentication (only tokens issued for this API), the scope each
// operation needs, the customer routes, and the log line that says which token was presented.
#include <memory>
#include <string>

#include "crm_customers.hpp"
#include "net/asio.hpp"
#include "oauth/token_validator.hpp"

namespace crm {

struct Answer {
  mcpgate::net::Response response;
  std::string log_line;  // one JSON object, no newline; never token bytes
};

class Api {
 public:
  // `base` is the URL the API listens on; its resource (the audience its tokens must name) is
  // base + "/api".
  Api(std::string base, std::unique_ptr<CustomerStore> store, std::unique_ptr<mcpgate::oauth::TokenValidator> tokens);

  // Never throws on any request: bad JSON, a bad token or an unknown path get a 4xx.
  Answer answer(const mcpgate::net::Request& request);

 private:
  std::string base_;
  std::string prm_path_;
  std::unique_ptr<CustomerStore> store_;
  std::unique_ptr<mcpgate::oauth::TokenValidator> tokens_;
};

}  // namespace crm
