#include "mcp/server/session.hpp"

namespace mcpgate::mcp::server {

std::shared_ptr<PendingRequests::Channel> PendingRequests::add(const std::string& key,
                                                               net::asio::any_io_executor executor) {
  std::lock_guard lock(mu_);
  if (closed_) return nullptr;
  auto ch = std::make_shared<Channel>(executor, 1);
  waiting_[key] = ch;
  return ch;
}

bool PendingRequests::fulfill(const std::string& key, json::object message) {
  std::shared_ptr<Channel> ch;
  {
    std::lock_guard lock(mu_);
    auto it = waiting_.find(key);
    if (it == waiting_.end()) return false;
    ch = std::move(it->second);
    waiting_.erase(it);
  }
  return ch->try_send(net::error_code{}, std::move(message));
}

void PendingRequests::remove(const std::string& key) {
  std::lock_guard lock(mu_);
  waiting_.erase(key);
}

void PendingRequests::close() {
  std::map<std::string, std::shared_ptr<Channel>> waiting;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    waiting.swap(waiting_);
  }
  for (auto& [k, ch] : waiting) ch->close();
}

bool Session::subscribe(const std::string& uri) {
  std::lock_guard lock(mu_);
  if (subscriptions_.size() >= 1024) return false;
  subscriptions_.insert(uri);
  return true;
}
bool Session::unsubscribe(const std::string& uri) {
  std::lock_guard lock(mu_);
  return subscriptions_.erase(uri) > 0;
}
bool Session::subscribed(const std::string& uri) {
  std::lock_guard lock(mu_);
  return subscriptions_.contains(uri);
}

}  // namespace mcpgate::mcp::server
