// A tiny MCP server on stdio (newline-delimited JSON-RPC) for the stdio upstream tests. It
// answers by method:
//   initialize  → a result echoing the protocol version; remembered, see "echo"
//   echo        → {params, pid, initialized: whether this process saw initialize and
//                  notifications/initialized}
//   noise       → first a line that is not JSON and one that is not JSON-RPC, then the answer
//   log         → first a line on stderr, then the answer
//   die         → exits with status 3 without answering
//   hold        → no answer until "release"
//   held        → {held: [the ids of the requests held, in the order they came]}
//   release     → answers every held request ({released: true}), then itself
//   cancelled   → {cancelled: [the params of each notifications/cancelled received]}
// Anything else gets -32601.
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <string>

namespace json = boost::json;

int main() {
  bool initialized = false, notified = false;
  json::array held, cancelled;
  std::string line;
  while (std::getline(std::cin, line)) {
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    if (ec || !v.is_object()) continue;
    const auto& m = v.as_object();
    auto* found = m.if_contains("method");
    if (!found || !found->is_string()) continue;
    // A copy, and only const lookups below: object::operator[] may rehash and move every member.
    const json::value method = *found;
    if (method == "notifications/initialized") notified = true;
    if (method == "notifications/cancelled") cancelled.push_back(m.contains("params") ? m.at("params") : nullptr);
    if (!m.contains("id")) continue;
    json::object reply{{"jsonrpc", "2.0"}, {"id", m.at("id")}};
    json::value params = m.contains("params") ? m.at("params") : json::value(json::object{});
    if (method == "initialize") {
      initialized = true;
      json::value version = params.is_object() && params.as_object().contains("protocolVersion")
                                ? params.as_object().at("protocolVersion")
                                : json::value("2025-11-25");
      reply["result"] = json::object{{"protocolVersion", version},
                                     {"capabilities", json::object{}},
                                     {"serverInfo", json::object{{"name", "fake"}, {"version", "1"}}}};
    } else if (method == "echo") {
      reply["result"] = json::object{{"params", params}, {"pid", ::getpid()}, {"initialized", initialized && notified}};
    } else if (method == "noise") {
      std::cout << "this line is not JSON\n"
                << R"({"jsonrpc":"2.0","neither":"request nor reply"})"
                << "\n";
      reply["result"] = json::object{{"after", "noise"}};
    } else if (method == "log") {
      std::cerr << "a line on stderr" << std::endl;
      reply["result"] = json::object{};
    } else if (method == "hold") {
      held.push_back(m.at("id"));
      continue;
    } else if (method == "release") {
      for (auto& id : held)
        std::cout << json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", {{"released", true}}}})
                  << "\n";
      held.clear();
      reply["result"] = json::object{};
    } else if (method == "held") {
      reply["result"] = json::object{{"held", held}};
    } else if (method == "cancelled") {
      reply["result"] = json::object{{"cancelled", cancelled}};
    } else if (method == "die") {
      std::cout.flush();
      return 3;
    } else {
      reply["error"] = json::object{{"code", -32601}, {"message", "method not found"}};
    }
    std::cout << json::serialize(reply) << "\n" << std::flush;
  }
  return 0;
}
