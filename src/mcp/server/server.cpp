// McpServer: its registry's state, and the sessions that notifications go to.
#include "core/random.hpp"
#include "mcp/server/server_impl.hpp"

namespace mcpgate {

using mcp::Message;
using mcp::server::Session;

namespace {
Secret fresh_key() {
  std::string key(32, '\0');
  system_random().fill(key.data(), key.size());
  return Secret(std::move(key));
}
}  // namespace

McpServer::Impl::Impl(ServerInfo i, ServerOptions o)
    : info(std::move(i)),
      options(o),
      sealer(fresh_key(), system_clock()),
      tasks(o.max_tasks, o.task_ttl, system_clock(), system_random()) {}

McpServer::McpServer(ServerInfo info, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(info), options)) {}
McpServer::~McpServer() = default;

const ServerInfo& McpServer::info() const {
  return impl_->info;
}
const ServerOptions& McpServer::options() const {
  return impl_->options;
}

void McpServer::Impl::attach(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(sessions_mu);
  std::erase_if(sessions, [](auto& w) { return w.expired(); });
  sessions.push_back(session);
}

void McpServer::Impl::broadcast(const json::object& notification, std::string_view resource_uri) {
  std::vector<std::shared_ptr<Session>> targets;
  {
    std::lock_guard lock(sessions_mu);
    std::erase_if(sessions, [](auto& w) { return w.expired(); });
    for (auto& w : sessions)
      if (auto s = w.lock()) targets.push_back(std::move(s));
  }
  for (auto& s : targets) {
    if (!s->initialized || !s->notify) continue;
    if (!resource_uri.empty() && !s->subscribed(std::string(resource_uri))) continue;
    s->notify(notification);
  }
}

bool McpServer::Impl::deliver(Session& session, const Message& reply) {
  auto* id = reply.id();
  if (!id) return false;
  return session.pending.fulfill(mcp::id_key(*id), reply.body);
}

}  // namespace mcpgate
