#pragma once
// Where the client keeps what a login produced, between runs: the client registration per
// authorization server (MCP authorization, "Client Registration": credentials are bound to the
// issuer that issued them and never presented to another) and the tokens per (issuer, resource),
// plus which (issuer, resource) an endpoint URL led to, so a later command can send its token
// without repeating discovery.
//
// One JSON file, `credentials.json`, in the user's configuration directory ($MCPGATE_CONFIG_DIR,
// else $XDG_CONFIG_HOME/mcpgate, else ~/.config/mcpgate): the directory mode 0700, the file 0600,
// replaced atomically (write, fsync, rename) under an flock so two processes (a stdio proxy and a
// command) do not lose each other's updates.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "core/secret.hpp"

namespace mcpgate::client {

struct StoredClient {
  std::string client_id;
  Secret client_secret;
  std::string auth_method = "none";  // none | client_secret_basic | client_secret_post
  std::string redirect_uri;          // what it was registered with (dynamic registration)
  bool registered_here = false;      // obtained by dynamic registration (may be re-registered)
};

struct StoredTokens {
  Secret access_token;
  Secret refresh_token;
  std::int64_t expires_at = 0;  // seconds since the epoch; 0: unknown
  std::string scope;            // as granted
  std::string requested_scope;  // as asked (step-up asks for the union of this and the challenge)
};

struct EndpointBinding {
  std::string issuer;
  std::string resource;
};

class TokenStore {
 public:
  explicit TokenStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  static std::filesystem::path default_dir();
  std::filesystem::path file() const { return dir_ / "credentials.json"; }

  [[nodiscard]] Result<std::optional<StoredClient>> client(const std::string& issuer) const;
  [[nodiscard]] Result<void> put_client(const std::string& issuer, const StoredClient& c);
  [[nodiscard]] Result<void> forget_client(const std::string& issuer);

  [[nodiscard]] Result<std::optional<StoredTokens>> tokens(const std::string& issuer,
                                                           const std::string& resource) const;
  [[nodiscard]] Result<void> put_tokens(const std::string& issuer, const std::string& resource, const StoredTokens& t);

  [[nodiscard]] Result<std::optional<EndpointBinding>> binding(const std::string& endpoint) const;
  [[nodiscard]] Result<void> put_binding(const std::string& endpoint, const EndpointBinding& b);

  // Forgets the tokens (and the binding) of one endpoint, or of every endpoint when empty.
  // Returns how many token sets were removed.
  [[nodiscard]] Result<int> forget(const std::string& endpoint);

 private:
  std::filesystem::path dir_;
};

}  // namespace mcpgate::client
