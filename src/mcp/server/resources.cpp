// Resources and resource templates: registering them, resources/list, resources/templates/list,
// resources/read and the updated notification.
#include <stdexcept>

#include "mcp/server/call.hpp"

namespace mcpgate::mcp::server {

namespace {
template <class T>
void describe_common(json::object& o, const T& r) {
  if (!r.title.empty()) o["title"] = r.title;
  if (!r.description.empty()) o["description"] = r.description;
  if (!r.mime_type.empty()) o["mimeType"] = r.mime_type;
}
}  // namespace

Outcome Call::list_resources() {
  json::array out;
  std::shared_lock lock(server_.mu);
  for (auto& r : server_.resources) {
    json::object o{{"uri", r->uri}, {"name", r->name}};
    describe_common(o, *r);
    out.push_back(std::move(o));
  }
  return json::object{{"resources", std::move(out)}};
}

Outcome Call::list_templates() {
  json::array out;
  std::shared_lock lock(server_.mu);
  for (auto& t : server_.templates) {
    json::object o{{"uriTemplate", t->spec.uri_template}, {"name", t->spec.name}};
    describe_common(o, t->spec);
    out.push_back(std::move(o));
  }
  return json::object{{"resourceTemplates", std::move(out)}};
}

Task<Outcome> Call::read_resource() {
  auto uri = string_param("uri");
  if (uri.empty()) co_return invalid("resources/read needs params.uri");
  ResourceRead read{std::string(uri), {}};
  std::shared_ptr<const Resource> exact;
  std::shared_ptr<const CompiledTemplate> tmpl;
  {
    std::shared_lock lock(server_.mu);
    for (auto& r : server_.resources)
      if (r->uri == uri) exact = r;
    if (!exact)
      for (auto& t : server_.templates)
        if (auto vars = t->matcher.match(uri)) {
          tmpl = t;
          read.variables = std::move(*vars);
          break;
        }
  }
  // SEP-2164: an unknown resource is invalid params naming the URI, never an empty result.
  if (!exact && !tmpl) co_return invalid("Resource not found", json::object{{"uri", uri}});
  const ResourceHandler& handler = exact ? exact->handler : tmpl->spec.handler;
  co_return co_await with_inputs("resources/read\n" + std::string(uri),
                                 [&]() -> Task<Reply> { return handler(read, ctx_); });
}

}  // namespace mcpgate::mcp::server

namespace mcpgate {

using mcp::server::erase_by;

void McpServer::add_resource(Resource resource) {
  {
    std::unique_lock lock(impl_->mu);
    auto p = std::make_shared<const Resource>(std::move(resource));
    bool replaced = false;
    for (auto& r : impl_->resources)
      if (r->uri == p->uri) r = p, replaced = true;
    if (!replaced) impl_->resources.push_back(std::move(p));
  }
  impl_->broadcast(mcp::make_notification("notifications/resources/list_changed"));
}

bool McpServer::remove_resource(std::string_view uri) {
  bool removed;
  {
    std::unique_lock lock(impl_->mu);
    removed = erase_by(impl_->resources, [&](auto& r) { return r->uri == uri; });
  }
  if (removed) impl_->broadcast(mcp::make_notification("notifications/resources/list_changed"));
  return removed;
}

void McpServer::add_resource_template(ResourceTemplate tmpl) {
  auto matcher = mcp::server::UriTemplate::compile(tmpl.uri_template);
  // A bad template is a programming error of the server author: fail at start-up.
  if (!matcher) throw std::invalid_argument("resource template " + tmpl.uri_template + ": " + matcher.error().message);
  {
    std::unique_lock lock(impl_->mu);
    impl_->templates.push_back(std::make_shared<const mcp::server::CompiledTemplate>(
        mcp::server::CompiledTemplate{std::move(tmpl), *matcher}));
  }
  impl_->broadcast(mcp::make_notification("notifications/resources/list_changed"));
}

void McpServer::notify_resource_updated(std::string_view uri) {
  impl_->broadcast(mcp::make_notification("notifications/resources/updated", json::object{{"uri", uri}}), uri);
}

}  // namespace mcpgate
