#pragma once
// The CRM API seen from crm_server: each call carries the bearer token found in the environment
// variable the gateway fills (credentials.env), so the API sees a token minted for it, on behalf
// of the user, never the user's own token.
#include <memory>
#include <string>

#include "customer_source.hpp"
#include "oauth/http_fetcher.hpp"

namespace crm {

class ApiCustomers final : public CustomerSource {
 public:
  // `base`: the API's URL (…/api). `token_env`: the variable holding the token.
  ApiCustomers(std::string base, std::string token_env);

  mcpgate::Result<std::optional<boost::json::object>> get(const std::string& id) override;
  mcpgate::Result<boost::json::array> search(const std::string& query) override;
  mcpgate::Result<bool> update(const std::string& id, const boost::json::object& fields) override;
  mcpgate::Result<bool> remove(const std::string& id) override;

 private:
  // The API's answer, or why there is none (no token, unreachable, refused: with its status).
  mcpgate::Result<mcpgate::oauth::HttpFetchResponse> call(std::string method, std::string path, std::string body = {});

  std::string base_;
  std::string token_env_;
  mcpgate::oauth::BlockingHttpFetcher http_;
};

}  // namespace crm
