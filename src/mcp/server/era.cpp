// Which protocol era a message belongs to, and the per-request checks of the 2026-07-28 era.
#include "mcp/http_front.hpp"
#include "mcp/server/server_impl.hpp"

namespace mcpgate::mcp::server {

ProtocolEra era_of(const Message& message) {
  if (auto* p = message.params())
    if (auto* m = p->if_contains("_meta"); m && m->is_object() && m->get_object().contains(kMetaProtocolVersion))
      return ProtocolEra::modern;
  return ProtocolEra::legacy;
}

// The front door's rules (mcp/http_front), so that stdio and HTTP refuse the same requests.
std::optional<RpcError> check_modern_meta(const json::object* params) {
  auto missing = mcp::front::missing_meta_keys(params);
  if (missing.empty()) return std::nullopt;
  return RpcError{code::invalid_params, "Invalid params: missing _meta keys: " + missing, std::nullopt};
}

std::optional<RpcError> check_modern_version(std::string_view requested) {
  if (is_modern_revision(requested)) return std::nullopt;
  return RpcError{code::unsupported_version, "Unsupported protocol version",
                  mcp::front::unsupported_version_data(requested)};
}

}  // namespace mcpgate::mcp::server
