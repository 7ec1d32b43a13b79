#pragma once
// What both ends of a TLS connection do with files: load a certificate chain and its private key
// into an OpenSSL context, with errors that name the file and OpenSSL's reason. The listener
// (tls_server) and the client certificate toward upstreams (tls_client) share it.
#include <openssl/types.h>

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mcpgate::net {

// The oldest queued OpenSSL error as text ("unknown error" when there is none); clears the queue.
std::string openssl_reason();

// Loads `cert_file` (a PEM chain) and `key_file` into `ctx` and checks that they belong together.
// The labels name the two files in errors ("client certificate", "key file", ...).
[[nodiscard]] Result<void> use_key_pair(SSL_CTX* ctx, const std::string& cert_file, const std::string& key_file,
                                        std::string_view cert_label, std::string_view key_label);

}  // namespace mcpgate::net
