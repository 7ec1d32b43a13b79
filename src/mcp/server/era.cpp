// Which protocol era a message belongs to, and the per-request checks of the 2026-07-28 era.
#include "mcp/server/server_impl.hpp"

namespace mcpgate::mcp::server {

ProtocolEra era_of(const Message& message) {
  if (auto* p = message.params())
    if (auto* m = p->if_contains("_meta"); m && m->is_object() && m->get_object().contains(kMetaProtocolVersion))
      return ProtocolEra::modern;
  return ProtocolEra::legacy;
}

std::optional<RpcError> check_modern_meta(const json::object* params) {
  const json::object* meta = nullptr;
  if (params)
    if (auto* m = params->if_contains("_meta"); m && m->is_object()) meta = &m->get_object();
  std::string missing;
  auto need = [&](std::string_view key, bool ok) {
    if (!ok) missing += (missing.empty() ? "" : ", ") + std::string(key);
  };
  auto* version = meta ? meta->if_contains(kMetaProtocolVersion) : nullptr;
  auto* caps = meta ? meta->if_contains(kMetaClientCapabilities) : nullptr;
  need(kMetaProtocolVersion, version && version->is_string());
  need(kMetaClientCapabilities, caps && caps->is_object());
  if (missing.empty()) return std::nullopt;
  return RpcError{code::invalid_params, "Invalid params: missing _meta keys: " + missing, std::nullopt};
}

std::optional<RpcError> check_modern_version(std::string_view requested) {
  if (is_modern_revision(requested)) return std::nullopt;
  json::array supported;
  for (auto v : kModernRevisions) supported.emplace_back(v);
  return RpcError{code::unsupported_version, "Unsupported protocol version",
                  json::object{{"supported", std::move(supported)}, {"requested", requested}}};
}
}  // namespace mcpgate::mcp::server
