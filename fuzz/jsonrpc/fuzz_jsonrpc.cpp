// JSON-RPC envelope: classify never crashes, and what it accepts has the shape it claims.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/json.hpp"
#include "mcp/jsonrpc.hpp"

namespace mcp = mcpgate::mcp;

static bool valid_id(const mcpgate::json::value* id) {
  return id && (id->is_string() || id->is_int64() || id->is_uint64());
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto v = mcpgate::parse_json(in);
  if (!v) return 0;
  auto m = mcp::classify(std::move(*v));
  if (!m) return 0;
  switch (m->kind) {
    case mcp::Kind::request:
      if (m->method().empty() || !valid_id(m->id())) std::abort();
      (void)mcp::id_key(*m->id());
      break;
    case mcp::Kind::notification:
      if (m->method().empty() || m->id()) std::abort();
      break;
    case mcp::Kind::response:
      if (!valid_id(m->id()) || !m->body.contains("result") || m->body.contains("error")) std::abort();
      break;
    case mcp::Kind::error:
      if (!m->id() || !m->body.contains("error") || m->body.contains("result")) std::abort();
      (void)mcp::id_key(*m->id());
      break;
  }
  // Re-serialized, the message classifies the same way.
  auto again = mcpgate::parse_json(mcpgate::serialize_json(mcpgate::json::value(m->body)));
  if (!again) std::abort();
  auto m2 = mcp::classify(std::move(*again));
  if (!m2 || m2->kind != m->kind) std::abort();
  return 0;
}
