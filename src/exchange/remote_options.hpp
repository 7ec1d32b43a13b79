#pragma once
// From an upstream's `credentials:` to the options of its remote token endpoint: one place for the
// gateway and `mcpgate check-config --probe`, so that the probe tests what the gateway will do.
#include <string>

#include "config/gateway_config.hpp"
#include "core/result.hpp"
#include "exchange/token_endpoint.hpp"

namespace mcpgate::exchange {

// `upstream_url`: the upstream's URL, for `discover: true`. Fails when the client key does not load.
[[nodiscard]] Result<RemoteTokenEndpointOptions> remote_options(const config::Credentials& c,
                                                                const std::string& upstream_url);

}  // namespace mcpgate::exchange
