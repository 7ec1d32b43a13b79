#include "config/tls_config.hpp"

#include "net/tls_client.hpp"
#include "net/tls_server.hpp"

namespace mcpgate::config {

net::TlsClientOptions read_tls_client(const YamlReader& r, const YAML::Node& n, const std::string& key) {
  r.only_keys(n, key, {"ca_file", "client_cert_file", "client_key_file", "server_name"});
  net::TlsClientOptions t;
  if (n["ca_file"]) r.readable_file(n["ca_file"], key + ".ca_file", t.ca_file = r.str(n["ca_file"], key + ".ca_file"));
  if (n["client_cert_file"])
    r.readable_file(n["client_cert_file"], key + ".client_cert_file",
                    t.client_cert_file = r.str(n["client_cert_file"], key + ".client_cert_file"));
  if (n["client_key_file"])
    r.readable_file(n["client_key_file"], key + ".client_key_file",
                    t.client_key_file = r.str(n["client_key_file"], key + ".client_key_file"));
  if (t.client_cert_file.empty() != t.client_key_file.empty())
    r.error(n, key, "client_cert_file and client_key_file go together");
  if (n["server_name"]) t.server_name = r.str(n["server_name"], key + ".server_name");
  // Loaded now so that a CA file holding no certificate, or a key that does not match its
  // certificate, is a configuration error naming the key, not a failure at the first request.
  if (auto c = net::TlsClientContext::create(t); !c) r.error(n, key, c.error().message);
  return t;
}

net::TlsServerOptions read_tls_server(const YamlReader& r, const YAML::Node& n, const std::string& key) {
  r.only_keys(n, key, {"cert_file", "key_file"});
  net::TlsServerOptions t;
  if (!n["cert_file"]) r.error(n, key + ".cert_file", "is required");
  if (!n["key_file"]) r.error(n, key + ".key_file", "is required");
  r.readable_file(n["cert_file"], key + ".cert_file", t.cert_file = r.str(n["cert_file"], key + ".cert_file"));
  r.readable_file(n["key_file"], key + ".key_file", t.key_file = r.str(n["key_file"], key + ".key_file"));
  if (auto c = net::TlsServerContext::create(t); !c) r.error(n, key, c.error().message);
  return t;
}

}  // namespace mcpgate::config
