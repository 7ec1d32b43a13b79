#include "authserver/password.hpp"

#include <argon2.h>

#include <vector>

namespace mcpgate::authserver {

Result<std::string> hash_password(const Secret& password, Random& random, const PasswordParams& p) {
  unsigned char salt[16];
  random.fill(salt, sizeof salt);
  auto pw = password.reveal();
  std::size_t len = argon2_encodedlen(p.t_cost, p.m_cost_kib, p.parallelism, sizeof salt, 32, Argon2_id);
  std::string out(len, '\0');
  int rc = argon2id_hash_encoded(p.t_cost, p.m_cost_kib, p.parallelism, pw.data(), pw.size(), salt, sizeof salt, 32,
                                 out.data(), out.size());
  if (rc != ARGON2_OK) return fail(std::string("argon2: ") + argon2_error_message(rc));
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

bool verify_password(const Secret& password, std::string_view encoded) {
  if (!encoded.starts_with("$argon2id$") || encoded.size() > 512) return false;
  std::string enc(encoded);
  auto pw = password.reveal();
  return argon2id_verify(enc.c_str(), pw.data(), pw.size()) == ARGON2_OK;
}

const std::string& dummy_password_hash() {
  static const std::string h = [] {
    auto r = hash_password(Secret(system_random().token(24)), system_random());
    return r ? *r : std::string();
  }();
  return h;
}

}  // namespace mcpgate::authserver
