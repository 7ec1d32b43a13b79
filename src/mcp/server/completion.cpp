// completion/complete: the server's one completion handler, for prompt and resource template
// arguments.
#include "mcp/server/call.hpp"

namespace mcpgate::mcp::server {

Task<Outcome> Call::complete() {
  auto* ref = params_.if_contains("ref");
  auto* arg = params_.if_contains("argument");
  if (!ref || !ref->is_object() || !arg || !arg->is_object())
    co_return invalid("completion/complete needs params.ref and params.argument");
  CompletionRequest req;
  auto str = [](const json::object& o, std::string_view k) {
    auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  req.ref_type = str(ref->get_object(), "type");
  req.ref = str(ref->get_object(), req.ref_type == "ref/resource" ? "uri" : "name");
  req.argument = str(arg->get_object(), "name");
  req.value = str(arg->get_object(), "value");
  if (auto* c = params_.if_contains("context"); c && c->is_object())
    if (auto* a = c->get_object().if_contains("arguments"); a && a->is_object())
      req.context_arguments = a->get_object();
  std::shared_ptr<const CompletionHandler> handler;
  {
    std::shared_lock lock(server_.mu);
    handler = server_.completion;
  }
  Completion c;
  if (handler) c = co_await (*handler)(req, ctx_);
  json::array values;
  for (std::size_t i = 0; i < c.values.size() && i < 100; ++i) values.emplace_back(c.values[i]);
  json::object completion{{"values", std::move(values)}};
  if (c.total) completion["total"] = *c.total;
  completion["hasMore"] = c.has_more || c.values.size() > 100;
  co_return json::object{{"completion", std::move(completion)}};
}

}  // namespace mcpgate::mcp::server

namespace mcpgate {

void McpServer::set_completion_handler(CompletionHandler handler) {
  std::unique_lock lock(impl_->mu);
  impl_->completion = std::make_shared<const CompletionHandler>(std::move(handler));
}

}  // namespace mcpgate
