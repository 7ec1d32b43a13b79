#pragma once
// What configuration says about TLS, without pulling OpenSSL or Asio into the includer.
#include <string>

namespace mcpgate::net {

struct TlsClientOptions {
  std::string ca_file;           // PEM bundle; empty: the system store
  std::string client_cert_file;  // PEM chain presented for mutual TLS
  std::string client_key_file;
  std::string server_name;  // checked against the certificate and sent as SNI instead of the URL host
  bool operator==(const TlsClientOptions&) const = default;
};

struct TlsServerOptions {
  std::string cert_file;  // PEM: the leaf first, then intermediates
  std::string key_file;   // PEM private key
};

}  // namespace mcpgate::net
