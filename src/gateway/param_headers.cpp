#include "gateway/param_headers.hpp"

#include <mutex>

namespace mcpgate::gateway {
namespace json = boost::json;

namespace {
constexpr std::size_t kMaxTools = 100'000;  // bounded: an upstream may list anything
constexpr std::string_view kPrefix = "mcp-param-";

bool has_param_prefix(std::string_view name) {
  if (name.size() <= kPrefix.size()) return false;
  for (std::size_t i = 0; i < kPrefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(name[i])) != kPrefix[i]) return false;
  return true;
}
}  // namespace

void ToolParamHeaders::remember(const std::string& upstream, const json::object& reply) {
  auto* r = reply.if_contains("result");
  if (!r || !r->is_object()) return;
  auto* tools = r->get_object().if_contains("tools");
  if (!tools || !tools->is_array()) return;
  std::unique_lock lock(mutex_);
  if (by_tool_.size() > kMaxTools) by_tool_.clear();
  listed_.insert(upstream);
  // One key buffer for the whole list: a tool seen before costs a lookup, not an allocation
  // (every tools/list of a large upstream passes through here).
  std::string key = upstream + "\n";
  const auto prefix = key.size();
  for (auto& t : tools->get_array()) {
    if (!t.is_object()) continue;
    auto* n = t.get_object().if_contains("name");
    if (!n || !n->is_string()) continue;
    std::vector<mcp::ParamHeader> annotations;
    if (auto* s = t.get_object().if_contains("inputSchema"); s && s->is_object())
      annotations = mcp::param_headers_of(s->get_object());
    key.resize(prefix);
    key.append(n->get_string().data(), n->get_string().size());
    if (auto it = by_tool_.find(key); it != by_tool_.end())
      it->second = std::move(annotations);
    else
      by_tool_.emplace(key, std::move(annotations));
  }
}

bool ToolParamHeaders::listed(const std::string& upstream) const {
  std::shared_lock lock(mutex_);
  return listed_.contains(upstream);
}

std::optional<std::vector<mcp::ParamHeader>> ToolParamHeaders::find(const std::string& upstream,
                                                                    const std::string& tool) const {
  std::shared_lock lock(mutex_);
  auto it = by_tool_.find(upstream + "\n" + tool);
  if (it == by_tool_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<std::string, std::string>> param_headers_to_forward(const net::Request& request) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& field : request)
    if (has_param_prefix(field.name_string()))
      out.emplace_back(std::string(field.name_string()), std::string(field.value()));
  return out;
}

}  // namespace mcpgate::gateway
