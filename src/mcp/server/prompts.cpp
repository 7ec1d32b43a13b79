// Prompts: registering them, prompts/list and prompts/get.
#include "mcp/server/call.hpp"

namespace mcpgate::mcp::server {

namespace {
json::object describe(const Prompt& p) {
  json::object o{{"name", p.name}};
  if (!p.title.empty()) o["title"] = p.title;
  if (!p.description.empty()) o["description"] = p.description;
  if (!p.arguments.empty()) {
    json::array args;
    for (auto& a : p.arguments) {
      json::object ao{{"name", a.name}};
      if (!a.description.empty()) ao["description"] = a.description;
      ao["required"] = a.required;
      args.push_back(std::move(ao));
    }
    o["arguments"] = std::move(args);
  }
  return o;
}
}  // namespace

Outcome Call::list_prompts() {
  json::array out;
  std::shared_lock lock(server_.mu);
  for (auto& p : server_.prompts) out.push_back(describe(*p));
  return json::object{{"prompts", std::move(out)}};
}

Task<Outcome> Call::get_prompt() {
  auto name = string_param("name");
  if (name.empty()) co_return invalid("prompts/get needs params.name");
  auto prompt = server_.find_prompt(name);
  if (!prompt) co_return invalid("Unknown prompt: " + std::string(name));
  static const json::object kNoArguments;
  const json::object* args = &kNoArguments;
  if (auto* a = params_.if_contains("arguments"); a && !a->is_null()) {
    if (!a->is_object()) co_return invalid("prompts/get arguments must be an object");
    args = &a->get_object();
  }
  for (auto& pa : prompt->arguments)
    if (pa.required && !args->contains(pa.name)) co_return invalid("Missing required argument: " + pa.name);
  co_return co_await with_inputs("prompts/get\n" + std::string(name),
                                 [&]() -> Task<Reply> { return prompt->handler(*args, ctx_); });
}

}  // namespace mcpgate::mcp::server

namespace mcpgate {

using mcp::server::erase_by;

void McpServer::add_prompt(Prompt prompt) {
  {
    std::unique_lock lock(impl_->mu);
    auto p = std::make_shared<const Prompt>(std::move(prompt));
    bool replaced = false;
    for (auto& q : impl_->prompts)
      if (q->name == p->name) q = p, replaced = true;
    if (!replaced) impl_->prompts.push_back(std::move(p));
  }
  impl_->broadcast(mcp::make_notification("notifications/prompts/list_changed"));
}

bool McpServer::remove_prompt(std::string_view name) {
  bool removed;
  {
    std::unique_lock lock(impl_->mu);
    removed = erase_by(impl_->prompts, [&](auto& p) { return p->name == name; });
  }
  if (removed) impl_->broadcast(mcp::make_notification("notifications/prompts/list_changed"));
  return removed;
}

std::shared_ptr<const Prompt> McpServer::Impl::find_prompt(std::string_view name) const {
  std::shared_lock lock(mu);
  for (auto& p : prompts)
    if (p->name == name) return p;
  return nullptr;
}

}  // namespace mcpgate
