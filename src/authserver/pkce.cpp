#include "authserver/pkce.hpp"

#include <openssl/evp.h>

#include "core/base64url.hpp"

namespace mcpgate::authserver {

bool pkce_text(std::string_view s) {
  if (s.size() < 43 || s.size() > 128) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
          c == '_' || c == '~'))
      return false;
  return true;
}

std::string sha256_b64url(std::string_view data) {
  unsigned char md[32];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

}  // namespace mcpgate::authserver
