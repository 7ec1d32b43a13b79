#pragma once
// The authorization server's durable state behind one interface, so that SQLite (embedded) and a
// shared database (several replicas) are interchangeable. Every method is one transaction: when
// it returns success, the change is on disk (the caller answers the HTTP request only after).
// Secrets (codes, refresh tokens, client secrets) are stored only as SHA-256 hashes.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace mcpgate::authserver {

using Seconds = std::int64_t;  // Unix time

struct UserRecord {
  std::string username;
  std::string password_hash;  // Argon2id encoded string
  Seconds created_at = 0;
  // The scopes this user may be granted (space-separated); empty: any the resource supports. An
  // authorization asking for more is granted the intersection (RFC 6749 §3.3).
  std::string scope;
};

enum class ClientKind { preregistered, dynamic, metadata_document };
std::string_view kind_name(ClientKind k);

struct ClientRecord {
  std::string client_id;
  ClientKind kind = ClientKind::preregistered;
  std::string client_name;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> grant_types{"authorization_code", "refresh_token"};
  std::string token_endpoint_auth_method = "none";  // none | client_secret_basic | client_secret_post | private_key_jwt
  std::string secret_hash;                          // sha256_hex of the secret; empty for public clients
  std::string jwks;                                 // JWK Set JSON for private_key_jwt
  std::string scope;                                // allowed scopes (space-separated); empty: any supported
  std::string application_type = "native";
  Seconds created_at = 0;
  [[nodiscard]] bool confidential() const { return token_endpoint_auth_method != "none"; }
};

struct AuthorizationCode {
  std::string code_hash;
  std::string client_id;
  std::string redirect_uri;
  std::string code_challenge;
  std::string resource;
  std::string scope;
  std::string subject;
  Seconds auth_time = 0;
  Seconds expires_at = 0;
};

struct RefreshToken {
  std::string token_hash;
  std::string family_id;
  std::string client_id;
  std::string subject;
  std::string resource;
  std::string scope;
  Seconds expires_at = 0;
};

// An access token we issued, remembered until it expires so it can be revoked by family.
struct IssuedToken {
  std::string jti;
  std::string family_id;  // empty for tokens outside any family (client_credentials, exchange)
  Seconds expires_at = 0;
};

struct KeyRecord {
  std::string kid;
  std::string alg = "ES256";
  std::string private_pem;
  enum class State { next, current, retired } state = State::next;
  Seconds created_at = 0;
  Seconds retired_at = 0;  // when it stopped signing
};

// The upstream provider's refresh token of a federated user (the last sign-in's), sealed
// (token_sealer.hpp), and when the provider last confirmed the account: the refresh grant
// redeems it to re-check that the provider still knows the user.
struct ProviderToken {
  std::string subject;  // mcpgate's user name (issuer#sub)
  std::string sealed;
  Seconds checked_at = 0;
};

enum class RedeemError { not_found, already_redeemed, expired, mismatch, storage };
enum class RefreshError { not_found, reused, expired, revoked, wrong_client, storage };

class Store {
 public:
  virtual ~Store() = default;

  // Users.
  [[nodiscard]] virtual Result<void> put_user(const UserRecord& user) = 0;  // insert or replace
  [[nodiscard]] virtual Result<std::optional<UserRecord>> get_user(std::string_view username) = 0;
  [[nodiscard]] virtual Result<std::vector<UserRecord>> list_users() = 0;
  [[nodiscard]] virtual Result<bool> remove_user(std::string_view username) = 0;

  // The provider's refresh token per federated user (insert or replace); removed with the user.
  [[nodiscard]] virtual Result<void> put_provider_token(const ProviderToken& token) = 0;
  [[nodiscard]] virtual Result<std::optional<ProviderToken>> get_provider_token(std::string_view subject) = 0;

  // Clients (pre-registered and dynamically registered; CIMD clients are cached, not stored).
  [[nodiscard]] virtual Result<void> put_client(const ClientRecord& client) = 0;
  [[nodiscard]] virtual Result<std::optional<ClientRecord>> get_client(std::string_view client_id) = 0;
  [[nodiscard]] virtual Result<std::vector<ClientRecord>> list_clients() = 0;
  [[nodiscard]] virtual Result<bool> remove_client(std::string_view client_id) = 0;

  // Remembered consent for exactly (user, client, resource, scope set).
  [[nodiscard]] virtual Result<void> put_consent(std::string_view username, std::string_view client_id,
                                                 std::string_view resource, std::string_view scope, Seconds now) = 0;
  [[nodiscard]] virtual Result<bool> has_consent(std::string_view username, std::string_view client_id,
                                                 std::string_view resource, std::string_view scope) = 0;

  // Authorization codes.
  [[nodiscard]] virtual Result<void> put_code(const AuthorizationCode& code) = 0;
  // Atomically: checks the code is unredeemed and unexpired, marks it redeemed, and records the
  // refresh token family it starts (with its first refresh token and access token, if any). A
  // second redemption fails with already_redeemed and revokes everything issued from the code.
  // `check` runs inside the transaction, on the stored code, before anything is written: it
  // returns false when the request does not match (client, redirect_uri, PKCE, resource).
  [[nodiscard]] virtual expected<AuthorizationCode, RedeemError> redeem_code(
      std::string_view code_hash, Seconds now, const std::function<bool(const AuthorizationCode&)>& check,
      const std::string& family_id, const std::optional<RefreshToken>& refresh, const IssuedToken& access) = 0;

  // Refresh tokens. rotate: the presented token (by hash) is consumed and `next` takes its place in
  // the same family. Presenting a consumed token revokes the whole family (RFC 9700 §4.14.2).
  [[nodiscard]] virtual expected<RefreshToken, RefreshError> rotate_refresh(std::string_view token_hash,
                                                                            std::string_view client_id, Seconds now,
                                                                            const RefreshToken& next,
                                                                            const IssuedToken& access) = 0;
  [[nodiscard]] virtual Result<std::optional<RefreshToken>> get_refresh(std::string_view token_hash, Seconds now) = 0;
  [[nodiscard]] virtual Result<void> revoke_family(std::string_view family_id, Seconds now) = 0;
  // Every family the user holds (from their refresh tokens and redeemed codes) and the unexpired
  // access tokens issued from them: sign-out.
  [[nodiscard]] virtual Result<void> revoke_user_grants(std::string_view subject, Seconds now) = 0;

  // Access tokens.
  [[nodiscard]] virtual Result<void> record_token(const IssuedToken& token) = 0;
  [[nodiscard]] virtual Result<void> revoke_jti(std::string_view jti, Seconds expires_at) = 0;
  [[nodiscard]] virtual Result<std::vector<std::string>> revoked_jtis(Seconds now) = 0;  // unexpired ones

  // Signing keys.
  [[nodiscard]] virtual Result<std::vector<KeyRecord>> list_keys() = 0;
  // Replaces the whole key set in one transaction and bumps the key generation, if the generation
  // is still `expected_generation` (what key_generation() said before the caller built `keys`).
  // False, with nothing changed, when another process replaced the set meanwhile: replicas that
  // find an empty key set at the same moment then all end up with the one set the first stored,
  // instead of each signing with a key that the last writer's set does not publish.
  [[nodiscard]] virtual Result<bool> replace_keys(const std::vector<KeyRecord>& keys,
                                                  std::int64_t expected_generation) = 0;
  [[nodiscard]] virtual Result<std::int64_t> key_generation() = 0;

  // Deletes expired codes, refresh tokens, issued tokens and revocations.
  [[nodiscard]] virtual Result<void> purge(Seconds now) = 0;
};

// "sqlite:PATH". Creates the file (mode 0600) and its directory, WAL + synchronous=FULL.
[[nodiscard]] Result<std::unique_ptr<Store>> open_store(std::string_view uri);

}  // namespace mcpgate::authserver
