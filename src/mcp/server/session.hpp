#pragma once
// The state of one legacy-era client (a stdio process, or an HTTP Mcp-Session-Id): what it
// negotiated, its log level and subscriptions, and the server→client requests awaiting its answer.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "mcp/jsonrpc.hpp"
#include "mcp/protocol.hpp"
#include "mcpgate/server.hpp"
#include "net/asio.hpp"

namespace mcpgate::mcp::server {

// Server→client requests in flight. The answer may arrive on another thread (another HTTP
// connection), so each waiter is a thread-safe channel on its own executor.
class PendingRequests {
 public:
  using Channel = net::asio::experimental::concurrent_channel<void(net::error_code, json::object)>;

  // Null once close() has run: the client is gone, nothing will ever answer.
  std::shared_ptr<Channel> add(const std::string& key, net::asio::any_io_executor executor);
  // False when nothing waits under this id (a late, duplicate or forged answer).
  bool fulfill(const std::string& key, json::object message);
  void remove(const std::string& key);
  void close();

 private:
  std::mutex mu_;
  bool closed_ = false;
  std::map<std::string, std::shared_ptr<Channel>> waiting_;
};

class Session {
 public:
  std::string id;
  // Written by initialize, before any other request of the session can run (HTTP: before the
  // session id is handed out; stdio: the client waits for the initialize answer).
  std::string protocol_version = std::string(kRev20251125);
  json::object client_capabilities;
  json::object client_info;
  std::atomic<bool> initialized{false};
  // Until logging/setLevel, everything is sent (as the reference SDKs do).
  std::atomic<int> log_level{static_cast<int>(LogLevel::debug)};
  std::atomic<std::int64_t> next_request_id{0};
  PendingRequests pending;

  // Delivers a notification outside any request (list_changed, resources/updated). Set once by
  // the transport before the session is shared; returns false when it could not be queued.
  std::function<bool(json::object)> notify;

  bool subscribe(const std::string& uri);
  bool unsubscribe(const std::string& uri);
  bool subscribed(const std::string& uri);

 private:
  std::mutex mu_;
  std::set<std::string> subscriptions_;
};

}  // namespace mcpgate::mcp::server
