#pragma once
// Local user passwords: Argon2id (RFC 9106) in the PHC string format, so the parameters travel
// with each hash and can be raised later without a migration.
#include <string>
#include <string_view>

#include "core/random.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"

namespace mcpgate::authserver {

struct PasswordParams {
  // RFC 9106 §4 second recommended option is 64 MiB, t=3; we stay at 19 MiB, t=2 (OWASP's
  // minimum for Argon2id) so that a login burst cannot exhaust a small host's memory.
  unsigned t_cost = 2;
  unsigned m_cost_kib = 19 * 1024;
  unsigned parallelism = 1;
};

[[nodiscard]] Result<std::string> hash_password(const Secret& password, Random& random,
                                                const PasswordParams& params = {});
// Constant-time comparison inside libargon2; false on any malformed hash.
[[nodiscard]] bool verify_password(const Secret& password, std::string_view encoded_hash);

// A hash of a password nobody has, verified when the user does not exist so that the response
// time does not reveal which usernames exist.
const std::string& dummy_password_hash();

}  // namespace mcpgate::authserver
