#include "client/stdio_proxy.hpp"

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "core/json.hpp"
#include "mcp/jsonrpc.hpp"

namespace mcpgate::client {
namespace json = boost::json;

namespace {

// A request's id, or null for a notification or a response.
json::value request_id(const json::value& m) {
  if (!m.is_object()) return nullptr;
  auto& o = m.get_object();
  if (!o.contains("method")) return nullptr;
  auto* id = o.if_contains("id");
  return id ? *id : json::value(nullptr);
}

}  // namespace

int run_stdio_proxy(McpConnection& connection, std::istream& in, std::ostream& out, int max_in_flight) {
  std::mutex out_mutex;
  auto write = [&](const json::value& m) {
    std::lock_guard lock(out_mutex);
    out << json::serialize(m) << '\n' << std::flush;
  };
  auto error_reply = [&](const json::value& id, int code, const std::string& message) {
    write(json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", json::object{{"code", code}, {"message", message}}}});
  };

  std::mutex flight_mutex;
  std::condition_variable flight_cv;
  int in_flight = 0;
  std::vector<std::thread> threads;

  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    auto message = parse_json(line);
    if (!message) {
      error_reply(nullptr, mcp::code::parse_error, "Parse error: " + message.error().message);
      continue;
    }
    auto relay = [&](const json::value& m) {
      auto replies = connection.send(m);
      if (replies) {
        for (auto& r : *replies) write(r);
        return;
      }
      auto id = request_id(m);
      // The client waits for an answer to a request; a notification's failure can only be told.
      if (!id.is_null())
        error_reply(id, mcp::code::internal_error, "mcpgate stdio-proxy: " + replies.error().message);
      else
        std::cerr << "mcpgate stdio-proxy: " << replies.error().message << "\n";
    };
    // initialize opens the session every later message is sent in: it is answered before the
    // next line is read, so a client that does not wait for its answer (pipelining
    // notifications/initialized and its first requests) still has them sent in the session.
    if (message->is_object() && message->get_object().contains("method") &&
        message->get_object().at("method") == "initialize") {
      relay(*message);
      continue;
    }
    {
      std::unique_lock lock(flight_mutex);
      flight_cv.wait(lock, [&] { return in_flight < max_in_flight; });
      ++in_flight;
    }
    // relay by value: it is this iteration's, and the thread outlives the iteration (what it
    // refers to lives as long as this function, which joins every thread).
    threads.emplace_back([&, relay, m = std::move(*message)] {
      relay(m);
      std::lock_guard lock(flight_mutex);
      --in_flight;
      flight_cv.notify_all();
    });
    // Threads that finished are joined as we go, so a long session does not accumulate them.
    if (threads.size() > static_cast<std::size_t>(max_in_flight) * 4) {
      for (auto& t : threads) t.join();
      threads.clear();
    }
  }
  for (auto& t : threads) t.join();
  connection.close();
  return 0;
}

}  // namespace mcpgate::client
