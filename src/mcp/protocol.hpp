#pragma once
// MCP protocol revisions and the two eras of the HTTP transport.
#include <array>
#include <string_view>

namespace mcpgate::mcp {

inline constexpr std::string_view kRev20241105 = "2024-11-05";
inline constexpr std::string_view kRev20250326 = "2025-03-26";
inline constexpr std::string_view kRev20250618 = "2025-06-18";
inline constexpr std::string_view kRev20251125 = "2025-11-25";
inline constexpr std::string_view kRev20260728 = "2026-07-28";

// Newest first.
inline constexpr std::array<std::string_view, 5> kKnownRevisions = {kRev20260728, kRev20251125, kRev20250618,
                                                                    kRev20250326, kRev20241105};
inline constexpr std::array<std::string_view, 4> kLegacyRevisions = {kRev20251125, kRev20250618, kRev20250326,
                                                                     kRev20241105};
inline constexpr std::array<std::string_view, 1> kModernRevisions = {kRev20260728};

// Legacy: initialize + sessions (≤ 2025-11-25). Modern: stateless, `_meta` on every request.
enum class Era { legacy, modern };

inline bool is_known_revision(std::string_view v) {
  for (auto r : kKnownRevisions)
    if (r == v) return true;
  return false;
}
inline bool is_modern_revision(std::string_view v) {
  for (auto r : kModernRevisions)
    if (r == v) return true;
  return false;
}
inline bool is_legacy_revision(std::string_view v) {
  for (auto r : kLegacyRevisions)
    if (r == v) return true;
  return false;
}
// Batches were allowed only in 2025-03-26 (removed in 2025-06-18, changelog).
inline bool allows_batches(std::string_view v) {
  return v == kRev20250326;
}

// `_meta` keys of the 2026-07-28 revision.
inline constexpr std::string_view kMetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr std::string_view kMetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
// The tasks extension of 2026-07-28 (SEP-2663), declared under capabilities.extensions.
inline constexpr std::string_view kTasksExtension = "io.modelcontextprotocol/tasks";
inline constexpr std::string_view kMetaClientInfo = "io.modelcontextprotocol/clientInfo";

}  // namespace mcpgate::mcp
