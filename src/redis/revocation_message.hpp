#pragma once
// The message a replica publishes when it revokes access tokens, so that every replica refuses
// them at once: {"revoked":[{"jti":"…","exp":1900000000},…]}. Read from Redis, so from the
// network: parsed strictly and bounded, and a malformed message is dropped whole.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace mcpgate::redis {

struct RevokedToken {
  std::string jti;
  std::int64_t expires_at = 0;  // Unix time; past it the token is refused for expiry anyway
};

// At most this many tokens per message (a refresh family is a handful; the publisher splits).
inline constexpr std::size_t kMaxRevokedPerMessage = 1000;
inline constexpr std::size_t kMaxJtiLength = 256;

[[nodiscard]] std::vector<std::string> encode_revocations(const std::vector<RevokedToken>& tokens);
[[nodiscard]] Result<std::vector<RevokedToken>> decode_revocations(std::string_view payload);

}  // namespace mcpgate::redis
