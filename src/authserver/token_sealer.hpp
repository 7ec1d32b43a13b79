#pragma once
// A provider credential kept at rest (the upstream provider's refresh token): sealed with
// AES-256-GCM under a key from the configuration, never stored in clear. The associated data
// binds a sealed value to the record it belongs to (the user's name), so that a value copied by
// someone with write access to the database onto another user's row does not open there.
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/secret.hpp"

namespace mcpgate::authserver {

class TokenSealer {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  // `key`: exactly 32 bytes (raw, not base64).
  [[nodiscard]] static Result<TokenSealer> create(const Secret& key);

  // base64url(nonce ‖ ciphertext ‖ tag), with a fresh random 96-bit nonce each time.
  [[nodiscard]] Result<std::string> seal(std::string_view plaintext, std::string_view aad) const;
  // Fails (and returns nothing) when the value was altered, sealed under another key or for
  // other associated data.
  [[nodiscard]] Result<Secret> open(std::string_view sealed, std::string_view aad) const;

 private:
  explicit TokenSealer(Secret key) : key_(std::move(key)) {}
  Secret key_;
};

}  // namespace mcpgate::authserver
