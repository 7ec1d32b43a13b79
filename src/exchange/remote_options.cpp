#include "exchange/remote_options.hpp"

namespace mcpgate::exchange {

Result<RemoteTokenEndpointOptions> remote_options(const config::Credentials& c, const std::string& upstream_url) {
  RemoteTokenEndpointOptions o;
  o.token_endpoint = c.token_endpoint;
  o.issuer = c.issuer;
  if (c.discover) o.discover_from = upstream_url;
  o.client_id = c.client_id;
  o.client_secret = Secret(c.client_secret);
  o.client_secret_post = c.client_secret_post;
  if (!c.client_key_pem.empty()) {
    auto key = oauth::SigningKey::from_pem(c.client_key_pem);
    if (!key) return fail("client_key_file: " + key.error().message);
    auto alg = oauth::parse_algorithm(c.client_key_alg);
    if (!alg) return fail("client_key_alg: unknown algorithm " + c.client_key_alg);
    o.assertion_key = std::make_shared<const oauth::SigningKey>(std::move(*key));
    o.assertion_alg = *alg;
    o.assertion_kid = c.client_key_id;
  }
  return o;
}

}  // namespace mcpgate::exchange
