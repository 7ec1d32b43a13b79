#include "net/tls_key_pair.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fstream>

namespace mcpgate::net {

std::string openssl_reason() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (!e) return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

Result<void> use_key_pair(SSL_CTX* ctx, const std::string& cert_file, const std::string& key_file,
                          std::string_view cert_label, std::string_view key_label) {
  const std::string cert(cert_label), key(key_label);
  // Checked first so that a missing file is named as such, not as a PEM parse error.
  if (!std::ifstream(cert_file).good()) return fail("cannot read " + cert + " " + cert_file);
  if (!std::ifstream(key_file).good()) return fail("cannot read " + key + " " + key_file);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1)
    return fail(cert + " " + cert_file + ": " + openssl_reason());
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return fail(key + " " + key_file + ": " + openssl_reason());
  if (SSL_CTX_check_private_key(ctx) != 1)
    return fail(key + " " + key_file + " does not match the certificate in " + cert_file);
  return {};
}

}  // namespace mcpgate::net
